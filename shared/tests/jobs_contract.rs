//! The jobs API's JSON as clients see it: names, tags and validation
//! messages are part of the contract.

use std::collections::BTreeMap;

use bolide_shared::jobs::{
    Analysis, AnalysisResult, CountPerClass, JobParams, JobRequest, JobResults, JobStatus,
};
use serde_json::json;

#[test]
fn every_analysis_name_round_trips() {
    for analysis in Analysis::ALL {
        let json = serde_json::to_value(analysis).expect("serialize");
        assert_eq!(json, json!(analysis.name()));
        assert_eq!(Analysis::from_name(analysis.name()), Some(analysis));
        assert_eq!(serde_json::from_value::<Analysis>(json).expect("valid JSON"), analysis);
    }
    assert_eq!(Analysis::from_name("count-per-class"), None);
}

#[test]
fn statuses_are_snake_case_and_finished_ones_are_final() {
    for (status, name, finished) in [
        (JobStatus::Queued, "queued", false),
        (JobStatus::Running, "running", false),
        (JobStatus::Succeeded, "succeeded", true),
        (JobStatus::Failed, "failed", true),
        (JobStatus::Cancelled, "cancelled", true),
    ] {
        assert_eq!(serde_json::to_value(status).expect("valid JSON"), json!(name));
        assert_eq!(JobStatus::from_name(name), Some(status));
        assert_eq!(status.is_finished(), finished);
    }
}

#[test]
fn a_request_needs_only_the_analysis_and_rejects_unknown_fields() {
    let request: JobRequest =
        serde_json::from_value(json!({"analysis": "average_mass"})).expect("valid JSON");
    assert_eq!(request.params, JobParams::default());

    let request: JobRequest =
        serde_json::from_value(json!({"analysis": "top_heaviest", "params": {"n": 5, "fall": "Fell"}}))
            .expect("valid JSON");
    assert_eq!(request.params.n, Some(5));
    assert_eq!(request.params.fall.as_deref(), Some("Fell"));

    assert!(serde_json::from_value::<JobRequest>(json!({"analysis": "nope"})).is_err());
    assert!(serde_json::from_value::<JobRequest>(json!({"analysis": "average_mass", "extra": 1})).is_err());
    assert!(serde_json::from_value::<JobRequest>(
        json!({"analysis": "average_mass", "params": {"klass": "L6"}})
    )
    .is_err());
}

#[test]
fn validation_names_the_parameter() {
    let cases = [
        (
            Analysis::AverageMass,
            JobParams { year_min: Some(2000), year_max: Some(1990), ..Default::default() },
            "year_min",
        ),
        (Analysis::AverageMass, JobParams { mass_min: Some(-1.0), ..Default::default() }, "mass_min"),
        (Analysis::AverageMass, JobParams { mass_max: Some(f64::NAN), ..Default::default() }, "mass_max"),
        (Analysis::AverageMass, JobParams { class: Some(String::new()), ..Default::default() }, "class"),
        (Analysis::AverageMass, JobParams { n: Some(3), ..Default::default() }, "`n`"),
        (Analysis::TopHeaviest, JobParams { n: Some(0), ..Default::default() }, "`n`"),
        (Analysis::TopHeaviest, JobParams { n: Some(1001), ..Default::default() }, "`n`"),
        (Analysis::DensityGrid, JobParams { cell_degrees: Some(7.0), ..Default::default() }, "cell_degrees"),
        (Analysis::Hemispheres, JobParams { cell_degrees: Some(5.0), ..Default::default() }, "cell_degrees"),
    ];
    for (analysis, params, named) in cases {
        let message = params.validate(analysis).expect_err("should be refused");
        assert!(message.contains(named), "{analysis:?} {params:?}: {message}");
    }
    let fine = JobParams {
        class: Some("L6".into()),
        fall: Some("Found".into()),
        year_min: Some(1900),
        year_max: Some(1900),
        mass_min: Some(0.0),
        mass_max: Some(10.0),
        n: Some(1000),
        ..Default::default()
    };
    assert_eq!(fine.validate(Analysis::TopHeaviest), Ok(()));
    let grid = JobParams { cell_degrees: Some(5.0), ..Default::default() };
    assert_eq!(grid.validate(Analysis::DensityGrid), Ok(()));
}

#[test]
fn results_put_the_analysis_fields_at_the_top_level() {
    let results = JobResults {
        job_id: "j1".into(),
        records: 3,
        computed_at: 1,
        result: AnalysisResult::CountPerClass(CountPerClass {
            counts: BTreeMap::from([("L6".to_string(), 2), ("H5".to_string(), 1)]),
            without_class: 0,
        }),
    };
    let json = serde_json::to_value(&results).expect("valid JSON");
    assert_eq!(json["analysis"], json!("count_per_class"));
    assert_eq!(json["counts"], json!({"H5": 1, "L6": 2}));
    assert_eq!(json["records"], json!(3));
    assert_eq!(serde_json::from_value::<JobResults>(json).expect("valid JSON"), results);
}
