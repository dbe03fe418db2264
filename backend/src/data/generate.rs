//! Synthetic meteorite landings that look like NASA's, and writers for every
//! shape a student may upload.
//!
//! [`generate`] makes `n` landings from a seed: the same `(n, seed)` gives the
//! same landings, byte for byte, on every platform (a SplitMix64 generator
//! written out here, integer arithmetic and IEEE-exact `*`/`round` only: no
//! `ln`/`pow`/`cos`, whose last bit may differ between C libraries, and no
//! hash-map iteration). The tests load it instead of NASA's file, and it makes
//! the million-record sets the scale benchmarks need: in a release build a
//! million landings stream from [`landings`] in about 0.4 s; [`generate`]
//! holding them all takes 0.5–0.8 s with mimalloc, most of it the kernel
//! handing over the ~1.1 GB they occupy (up to ~2 s when memory is cold).
//!
//! The distributions follow NASA's file (45,716 landings, counted with a
//! script): 461 classes drawn with their real frequencies (L6 18%, H5 16%,
//! L5 10%, H6 10%, H4 9%, LL5 6%, …); `Found` 97.6% / `Fell` 2.4%; `Valid`
//! 99.8% / `Relict` 0.16%; masses from 0.01 g to 60 t (and a few `0`) around
//! a median of ~30 g, with NASA's decimals (`21`, `0.5`, `24.54`, and some float
//! artefacts like `78.400000000000006`); finds mostly 1974–2011 and falls
//! from 860 on, plus one year in 45,716 set in 2101 as NASA's file has it;
//! about 48% of the landings in Antarctic fields (`Yamato 980102`,
//! `Allan Hills 77005`), 14% at `(0, 0)` (NASA's "unknown place"), 16% with no
//! coordinates at all, the rest in the Sahara, Oman, the US deserts and
//! Atacama, and falls at real places (`Aïr`, `Košice`, `Łowicz`); about 0.3%
//! without mass and 0.6% without year. Names are unique, ids are `1..=n` in
//! order, and fields come in NASA's order with NASA's formatting: mass `21`,
//! year `1880` (NASA's files have the bare year), reclat `50.775000`,
//! GeoLocation `(50.775, 6.08333)` (Python's `repr` of the two numbers).
//!
//! [`to_nasa_json`], [`to_course_json`] and [`to_csv`] write any [`Dataset`]
//! back in each shape, following the files' own conventions exactly: applied
//! to NASA's JSON and CSV and the course's sample as parsed, they give back
//! the very same bytes.

use super::{Dataset, Landing, Shape};

/// Makes `n` synthetic landings from `seed` (see the module docs).
pub fn generate(n: usize, seed: u64) -> Dataset {
    Dataset::from_landings(landings(n, seed).collect(), Shape::Generated)
}

/// The landings of [`generate`]`(n, seed)`, one at a time: for a loader or a
/// benchmark that streams a large set instead of holding it (a million
/// landings held at once take about 1.1 GB).
pub fn landings(n: usize, seed: u64) -> Landings {
    Landings { generator: Generator::new(seed), next_id: 1, n }
}

/// The iterator [`landings`] returns.
pub struct Landings {
    generator: Generator,
    next_id: usize,
    n: usize,
}

impl Iterator for Landings {
    type Item = Landing;

    fn next(&mut self) -> Option<Landing> {
        if self.next_id > self.n {
            return None;
        }
        let landing = self.generator.landing(self.next_id);
        self.next_id += 1;
        Some(landing)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = (self.n + 1).saturating_sub(self.next_id);
        (left, Some(left))
    }
}

impl ExactSizeIterator for Landings {}

/// SplitMix64: small, fast, and fully specified, so the same seed gives the
/// same numbers everywhere.
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n > 0`; the bias is below 2^-40 for our `n`).
    fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// True with probability `k / n`.
    fn chance(&mut self, k: u64, n: u64) -> bool {
        self.below(n) < k
    }

    /// Uniform in `[0, 1)`, with 53 random bits.
    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }
}

/// Cumulative weights, for drawing an index with probability ∝ its weight.
struct Weighted(Vec<u64>);

impl Weighted {
    fn new(weights: impl Iterator<Item = u64>) -> Weighted {
        let mut total = 0;
        Weighted(
            weights
                .map(|w| {
                    total += w;
                    total
                })
                .collect(),
        )
    }

    fn pick(&self, rng: &mut Rng) -> usize {
        let total = self.0.last().copied().unwrap_or(0);
        if total == 0 {
            return 0;
        }
        let r = rng.below(total);
        self.0.partition_point(|&c| c <= r)
    }
}

/// How a field's landings are numbered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Style {
    /// `Allan Hills 77005`: the find year's last two digits, then a serial of
    /// at least this many digits.
    YearSerial(usize),
    /// `Dhofar 012`: a serial of at least this many digits.
    Serial(usize),
}

/// Where a site's landings are, in 1e-5 degrees.
#[derive(Debug, Clone, Copy)]
enum Place {
    /// Around (lat, lon), up to (dlat, dlon) away.
    Area { lat: i64, lon: i64, dlat: i64, dlon: i64 },
    /// NASA's `(0, 0)` for "place unknown".
    Zero,
    /// No coordinates at all.
    Unknown,
}

struct Site {
    prefix: &'static str,
    style: Style,
    place: Place,
    /// How many of NASA's finds are like this (roughly).
    weight: u64,
}

const fn deg(x: f64) -> i64 {
    (x * 100_000.0) as i64
}

const fn area(prefix: &'static str, style: Style, at: (f64, f64), spread: (f64, f64), weight: u64) -> Site {
    Site {
        prefix,
        style,
        place: Place::Area { lat: deg(at.0), lon: deg(at.1), dlat: deg(spread.0), dlon: deg(spread.1) },
        weight,
    }
}

const fn nowhere(prefix: &'static str, style: Style, place: Place, weight: u64) -> Site {
    Site { prefix, style, place, weight }
}

const Y3: Style = Style::YearSerial(3);
const Y4: Style = Style::YearSerial(4);
const S3: Style = Style::Serial(3);

/// Where finds (`fall: Found`) come from. A prefix has one style wherever it
/// appears, and no prefix ends in a digit, so names never collide.
const FOUND_SITES: &[Site] = &[
    // Antarctica.
    area("Yamato", Y4, (-71.5, 35.67), (0.4, 1.5), 4888),
    area("Queen Alexandra Range", Y3, (-84.0, 168.0), (0.6, 3.0), 3443),
    area("Grove Mountains", Y4, (-72.9, 75.2), (0.3, 1.0), 2494),
    area("Elephant Moraine", Y3, (-76.28, 157.2), (0.1, 0.5), 2177),
    area("Lewis Cliff", Y3, (-84.28, 161.5), (0.1, 0.8), 1870),
    area("Allan Hills", Y3, (-76.72, 159.67), (0.1, 0.5), 1754),
    area("Asuka", Y3, (-72.0, 24.0), (0.5, 2.0), 1509),
    area("Meteorite Hills", Y3, (-79.68, 155.75), (0.05, 0.3), 1102),
    area("Frontier Mountain", Y3, (-72.98, 160.45), (0.03, 0.1), 782),
    area("Pecora Escarpment", Y3, (-85.63, -68.7), (0.05, 0.3), 633),
    area("Grosvenor Mountains", Y3, (-85.67, -175.0), (0.1, 1.0), 403),
    area("Graves Nunataks", Y3, (-86.72, -141.5), (0.05, 0.5), 352),
    area("MacAlpine Hills", Y3, (-84.22, 160.5), (0.05, 0.4), 263),
    area("LaPaz Icefield", Y3, (-86.37, -70.0), (0.05, 0.5), 226),
    area("Larkman Nunatak", Y3, (-85.77, 179.38), (0.03, 0.3), 169),
    area("Dominion Range", Y3, (-85.33, 166.5), (0.2, 1.5), 151),
    area("Thiel Mountains", Y3, (-85.2, -90.0), (0.1, 1.0), 80),
    area("Miller Range", Y3, (-83.25, 157.0), (0.2, 1.0), 34),
    // NASA's (0, 0): mostly Northwest Africa and some Antarctic fields.
    nowhere("Northwest Africa", S3, Place::Zero, 1750),
    nowhere("Miller Range", Y3, Place::Zero, 1682),
    nowhere("Yamato", Y4, Place::Zero, 1666),
    nowhere("Dominion Range", Y3, Place::Zero, 695),
    nowhere("Larkman Nunatak", Y3, Place::Zero, 169),
    nowhere("Patuxent Range", Y3, Place::Zero, 129),
    nowhere("LaPaz Icefield", Y3, Place::Zero, 46),
    nowhere("Buckley Island", Y3, Place::Zero, 29),
    // No coordinates at all.
    nowhere("Northwest Africa", S3, Place::Unknown, 2550),
    nowhere("LaPaz Icefield", Y3, Place::Unknown, 1278),
    nowhere("MacAlpine Hills", Y3, Place::Unknown, 763),
    nowhere("Larkman Nunatak", Y3, Place::Unknown, 531),
    nowhere("Yamato", Y4, Place::Unknown, 492),
    nowhere("Miller Range", Y3, Place::Unknown, 322),
    nowhere("Grove Mountains", Y4, Place::Unknown, 300),
    nowhere("Sahara", Y3, Place::Unknown, 286),
    nowhere("Roberts Massif", Y3, Place::Unknown, 229),
    nowhere("Catalina", S3, Place::Unknown, 200),
    nowhere("Dhofar", S3, Place::Unknown, 200),
    nowhere("Acfer", S3, Place::Unknown, 100),
    // Oman.
    area("Dhofar", S3, (18.95, 54.3), (0.6, 0.8), 1404),
    area("Jiddat al Harasis", S3, (19.8, 56.4), (0.3, 0.4), 698),
    area("Sayh al Uhaymir", S3, (20.95, 57.3), (0.15, 0.2), 471),
    area("Ramlat as Sahmah", S3, (20.4, 56.0), (0.3, 0.3), 239),
    area("Shişr", S3, (18.55, 53.95), (0.15, 0.2), 123),
    area("Ramlat al Wahibah", S3, (21.8, 58.7), (0.2, 0.2), 46),
    area("Al Huqf", S3, (19.9, 57.0), (0.2, 0.2), 32),
    area("Umm as Samim", S3, (21.7, 56.0), (0.2, 0.3), 28),
    // The Sahara.
    area("Dar al Gani", S3, (27.0, 16.25), (0.5, 0.5), 1045),
    area("Acfer", S3, (27.6, 4.0), (0.4, 0.3), 394),
    area("Hammadah al Hamra", S3, (28.9, 12.5), (0.6, 0.6), 340),
    area("Northwest Africa", S3, (28.0, -6.0), (3.0, 5.0), 198),
    area("Tanezrouft", S3, (23.3, 0.8), (0.6, 0.8), 88),
    area("Daraj", S3, (30.2, 10.4), (0.2, 0.2), 44),
    area("Erg Chech", S3, (25.1, -2.3), (0.5, 0.5), 40),
    area("Great Sand Sea", S3, (25.5, 25.5), (0.5, 0.5), 29),
    // The US.
    area("Roosevelt County", S3, (34.0, -103.3), (0.3, 0.3), 400),
    area("Gold Basin", S3, (35.9, -114.2), (0.1, 0.1), 250),
    area("Lucerne Valley", S3, (34.5, -116.95), (0.05, 0.05), 200),
    area("Coyote Dry Lake", S3, (35.07, -116.77), (0.03, 0.03), 150),
    area("Franconia", S3, (34.9, -114.25), (0.1, 0.1), 150),
    area("Cuddeback Dry Lake", S3, (35.3, -117.47), (0.02, 0.02), 100),
    area("Red Dry Lake", S3, (35.63, -114.06), (0.02, 0.02), 100),
    area("Tungsten Mountain", S3, (39.7, -117.7), (0.1, 0.1), 100),
    area("Bluewing", S3, (40.3, -118.9), (0.1, 0.1), 80),
    area("Superior Valley", S3, (35.3, -117.05), (0.05, 0.05), 80),
    // Atacama and the Nullarbor.
    area("El Médano", S3, (-24.85, -70.53), (0.1, 0.1), 300),
    area("Catalina", S3, (-25.23, -69.71), (0.1, 0.1), 200),
    area("San Juan", S3, (-25.45, -69.86), (0.1, 0.1), 200),
    area("Los Vientos", S3, (-24.68, -69.76), (0.05, 0.05), 150),
    area("Nullarbor", S3, (-31.0, 127.5), (0.5, 1.5), 200),
    area("Camel Donga", S3, (-30.32, 126.62), (0.1, 0.2), 150),
    area("Hughes", S3, (-30.4, 129.5), (0.3, 0.5), 150),
    area("Forrest", S3, (-30.85, 128.1), (0.2, 0.3), 150),
    area("Reid", S3, (-30.05, 128.9), (0.1, 0.1), 100),
    // Sweden's fossil meteorites.
    area("Österplana", S3, (58.58, 13.43), (0.01, 0.02), 183),
];

/// Where falls (`fall: Fell`) come from: real fall sites, in 1e-5 degrees.
/// A name's first landing is the bare name, later ones `Košice 002`, ….
const FALL_SITES: &[(&str, i64, i64)] = &[
    ("Abee", 5421667, -11300000),
    ("Alby sur Chéran", 4582133, 601533),
    ("Alessandria", 4488333, 875000),
    ("Allende", 2696667, -10531667),
    ("Ambapur Nagla", 2766667, 7825000),
    ("Andover", 4461667, -7075000),
    ("Aïr", 1908333, 838333),
    ("Bali", 538333, 1638333),
    ("Baszkówka", 5203333, 2093583),
    ("Bethlehem", 4253333, -7383333),
    ("Bialystok", 5310000, 2320000),
    ("Bjurböle", 6040000, 2580000),
    ("Boguslavka", 4455000, 13163333),
    ("Bremervörde", 5340000, 910000),
    ("Burnwell", 3762194, -8223722),
    ("Béréba", 1165000, -365000),
    ("Cañellas", 4125000, 166667),
    ("Château-Renard", 4793333, 291667),
    ("Denver", 3978250, -10493056),
    ("Doroninsk", 5120000, 11230000),
    ("Eichstädt", 4890000, 1121667),
    ("Enshi", 3030000, 10950000),
    ("Favars", 4438333, 281667),
    ("Fünen", 5533333, 1033333),
    ("Grüneberg", 5193333, 1550000),
    ("Gualeguaychú", -3300000, -5861667),
    ("Guareña", 3873333, -601667),
    ("Gurram Konda", 1378333, 7856667),
    ("Guêa", 4376667, 2023333),
    ("Gütersloh", 5191667, 838333),
    ("Haverö", 6024556, 2206194),
    ("Hökmark", 6443333, 2120000),
    ("Ibbenbüren", 5228333, 770000),
    ("Jonzac", 4543333, -45000),
    ("Kagarlyk", 4986667, 3083333),
    ("Kikino", 5500000, 3400000),
    ("Kisvarsány", 4816667, 2230833),
    ("Košice", 4876367, 2117633),
    ("Krasnoi-Ugol", 5403333, 4090000),
    ("Krähenberg", 4932694, 746472),
    ("Kukschin", 5115000, 3170000),
    ("La Bécasse", 4708333, 175000),
    ("Lancé", 4770000, 106667),
    ("Laochenzhen", 3313333, 11516667),
    ("Lishui", 3163333, 11898333),
    ("Lost City", 3600833, -9515000),
    ("Lucé", 4785000, 48333),
    ("Lundsgård", 5621667, 1303333),
    ("Långhalsen", 5885000, 1673333),
    ("Mezö-Madaras", 4650000, 2573333),
    ("Molteno", -3125000, 2646667),
    ("Montferré", 4339056, 196250),
    ("Morávka", 4960000, 1853333),
    ("Muzaffarpur", 2613333, 8553333),
    ("Mässing", 4813333, 1261667),
    ("Nagy-Borové", 4916667, 1950000),
    ("Neagari", 3644917, 13646528),
    ("Nyirábrany", 4755000, 2202500),
    ("Ofehértó", 4788333, 2203333),
    ("Olmedilla de Alarcón", 3956667, -210000),
    ("Orgueil", 4388333, 138333),
    ("Oterøy", 5888333, 940000),
    ("Pesyanoe", 5550000, 6608333),
    ("Peña Blanca Spring", 3012500, -10311667),
    ("Pricetown", 3911667, -8385000),
    ("Pê", 1133367, -354217),
    ("Rivolta de Bassi", 4548333, 951667),
    ("Rochester", 4108333, -8628333),
    ("Roda", 4230000, 55000),
    ("Rowton", 5276667, -251667),
    ("Sasagase", 3471667, 13778333),
    ("Seoni", 2168389, 7950083),
    ("Songyuan", 4525000, 12500000),
    ("St.-Chinian", 4343333, 295000),
    ("Tomita", 3450000, 13375000),
    ("Trenzano", 4546667, 1000000),
    ("Vishnupur", 2310000, 8743333),
    ("Çanakkale", 3980000, 2660000),
    ("Épinal", 4818333, 646667),
    ("Łowicz", 5200000, 1991667),
];

/// Years as a piecewise-uniform distribution: `(per ten thousand below,
/// year)` breakpoints, from NASA's file's quantiles.
const FOUND_YEARS: &[(u64, i64)] = &[
    (0, 1575),
    (10, 1841),
    (50, 1887),
    (100, 1914),
    (200, 1944),
    (500, 1974),
    (1000, 1979),
    (1500, 1981),
    (2000, 1986),
    (3000, 1990),
    (4000, 1995),
    (5000, 1998),
    (6000, 2001),
    (7000, 2003),
    (8000, 2005),
    (9000, 2007),
    (9500, 2009),
    (9900, 2011),
    (10000, 2014),
];

const FELL_YEARS: &[(u64, i64)] = &[
    (0, 860),
    (10, 920),
    (50, 1495),
    (100, 1632),
    (200, 1723),
    (500, 1805),
    (1000, 1828),
    (1500, 1850),
    (2000, 1864),
    (3000, 1886),
    (4000, 1906),
    (5000, 1924),
    (6000, 1938),
    (7000, 1954),
    (8000, 1974),
    (9000, 1993),
    (9500, 2002),
    (9900, 2010),
    (10000, 2014),
];

/// Masses by decade: `(log10 of the decade, how many of NASA's masses,
/// [integers, 1 decimal, 2 decimals, 3 decimals, float artefacts])`.
const MASS_DECADES: &[(i32, u64, [u64; 5])] = &[
    (-2, 15, [0, 0, 14, 1, 0]),
    (-1, 1922, [0, 762, 1156, 4, 0]),
    (0, 11814, [691, 5697, 4688, 120, 618]),
    (1, 16390, [2681, 7855, 3831, 70, 1953]),
    (2, 10554, [5458, 3191, 1168, 10, 727]),
    (3, 3483, [2836, 462, 65, 0, 120]),
    (4, 1083, [1069, 8, 0, 0, 6]),
    (5, 251, [1, 0, 0, 0, 0]),
    (6, 41, [1, 0, 0, 0, 0]),
    (7, 13, [1, 0, 0, 0, 0]),
];

/// 10^k for the decades above (k = -2..=7).
const POW10: [f64; 10] = [0.01, 0.1, 1.0, 10.0, 100.0, 1e3, 1e4, 1e5, 1e6, 1e7];

/// 10^(j/20), j = 0..=20: a log-uniform mantissa without `powf`.
const MANTISSA: [f64; 21] = [
    1.0,
    1.1220184543019633,
    1.2589254117941673,
    1.4125375446227544,
    1.5848931924611136,
    1.7782794100389228,
    1.9952623149688795,
    2.2387211385683394,
    2.51188643150958,
    2.8183829312644537,
    3.1622776601683795,
    3.548133892335755,
    3.9810717055349722,
    4.466835921509632,
    5.011872336272722,
    5.623413251903491,
    6.309573444801933,
    7.079457843841379,
    7.943282347242816,
    8.912509381337454,
    10.0,
];

/// The heaviest mass, Hoba's 60 t.
const MAX_MASS_G: f64 = 60_000_000.0;

/// Classes of relicts (`nametype: Relict`), with NASA's counts.
const RELICT_CLASSES: &[(&str, u64)] = &[
    ("Relict OC", 65),
    ("Chondrite-fusion crust", 4),
    ("Fusion crust", 4),
    ("Relict H", 1),
    ("Relict iron", 1),
];

struct Generator {
    rng: Rng,
    sites: Weighted,
    /// For each found site, the index of its prefix's serial counter.
    counter_of: Vec<usize>,
    serials: Vec<u64>,
    fall_serials: Vec<u64>,
    classes: Weighted,
    relict_classes: Weighted,
    decades: Weighted,
    decimals: Vec<Weighted>,
}

impl Generator {
    fn new(seed: u64) -> Generator {
        let counter_of = FOUND_SITES
            .iter()
            .map(|s| FOUND_SITES.iter().position(|t| t.prefix == s.prefix).unwrap_or(0))
            .collect();
        Generator {
            rng: Rng(seed),
            sites: Weighted::new(FOUND_SITES.iter().map(|s| s.weight)),
            counter_of,
            serials: vec![0; FOUND_SITES.len()],
            fall_serials: vec![0; FALL_SITES.len()],
            classes: Weighted::new(CLASSES.iter().map(|&(_, n)| u64::from(n))),
            relict_classes: Weighted::new(RELICT_CLASSES.iter().map(|&(_, n)| n)),
            decades: Weighted::new(MASS_DECADES.iter().map(|d| d.1)),
            decimals: MASS_DECADES.iter().map(|d| Weighted::new(d.2.iter().copied())).collect(),
        }
    }

    fn landing(&mut self, id: usize) -> Landing {
        let rng = &mut self.rng;
        // NASA: 1,107 falls in 45,716; 75 relicts, all finds.
        let fell = rng.chance(1107, 45_716);
        let relict = !fell && rng.chance(75, 44_609);
        let year = if fell {
            draw_year(rng, FELL_YEARS)
        } else if rng.chance(1, 45_716) {
            2101
        } else {
            draw_year(rng, FOUND_YEARS)
        };
        let (name, coords) = if fell {
            let i = rng.below(FALL_SITES.len() as u64) as usize;
            let (place, lat, lon) = FALL_SITES[i];
            self.fall_serials[i] += 1;
            let name = match self.fall_serials[i] {
                1 => place.to_owned(),
                k => numbered(place, None, k, 3),
            };
            let coords = (!rng.chance(1, 100)).then(|| jitter(rng, lat, lon, 2000, 2000));
            (name, coords)
        } else {
            let s = self.sites.pick(rng);
            let site = &FOUND_SITES[s];
            let counter = self.counter_of[s];
            self.serials[counter] += 1;
            let serial = self.serials[counter];
            let name = match site.style {
                Style::YearSerial(w) => numbered(site.prefix, Some(year.rem_euclid(100) as u64), serial, w),
                Style::Serial(w) => numbered(site.prefix, None, serial, w),
            };
            let coords = match site.place {
                Place::Area { lat, lon, dlat, dlon } => Some(jitter(rng, lat, lon, dlat, dlon)),
                Place::Zero => Some((0, 0)),
                Place::Unknown => None,
            };
            (name, coords)
        };
        let class = if relict {
            RELICT_CLASSES[self.relict_classes.pick(rng)].0
        } else {
            CLASSES[self.classes.pick(rng)].0
        };
        // NASA: 131 landings without mass (49 of them relicts), 291 without
        // year.
        let has_mass = if relict { rng.chance(26, 75) } else { !rng.chance(82, 45_641) };
        let mass = has_mass.then(|| draw_mass(rng, &self.decades, &self.decimals));
        let has_year = !rng.chance(291, 45_716);

        let count =
            6 + usize::from(mass.is_some()) + usize::from(has_year) + 3 * usize::from(coords.is_some());
        let mut fields = Vec::with_capacity(count);
        let mut put = |k: &str, v: String| fields.push((k.to_owned(), v));
        put("name", name);
        put("id", digits(id as u64, 1));
        put("nametype", if relict { "Relict" } else { "Valid" }.to_owned());
        put("recclass", class.to_owned());
        if let Some(mass) = mass {
            put("mass (g)", mass);
        }
        put("fall", if fell { "Fell" } else { "Found" }.to_owned());
        if has_year {
            put("year", digits(year.max(0) as u64, 4));
        }
        if let Some((lat, lon)) = coords {
            put("reclat", fixed6(lat));
            put("reclong", fixed6(lon));
            put("GeoLocation", geolocation(lat, lon));
        }
        Landing { fields }
    }
}

/// A year from a piecewise-uniform table.
fn draw_year(rng: &mut Rng, table: &[(u64, i64)]) -> i64 {
    let u = rng.below(10_000);
    let i = table.partition_point(|&(p, _)| p <= u).saturating_sub(1);
    match (table.get(i), table.get(i + 1)) {
        (Some(&(_, from)), Some(&(_, to))) if to > from => from + rng.below((to - from) as u64) as i64,
        (Some(&(_, from)), _) => from,
        _ => 2000,
    }
}

/// (lat, lon) in 1e-6 degrees around a centre given in 1e-5 degrees, with a
/// triangular spread; 2% get a sixth decimal, as in NASA's file.
fn jitter(rng: &mut Rng, lat: i64, lon: i64, dlat: i64, dlon: i64) -> (i64, i64) {
    let mut tri = |d: i64| {
        let d = d.max(0) as u64;
        (rng.below(d + 1) + rng.below(d + 1)) as i64 - d as i64
    };
    let lat = (lat + tri(dlat)).clamp(-9_000_000, 9_000_000);
    let mut lon = lon + tri(dlon);
    if lon > 18_000_000 {
        lon -= 36_000_000;
    } else if lon < -18_000_000 {
        lon += 36_000_000;
    }
    let mut sixth = |v: i64| {
        let extra = if rng.chance(23, 1000) { rng.below(9) as i64 + 1 } else { 0 };
        v * 10 + if v < 0 { -extra } else { extra }
    };
    (sixth(lat), sixth(lon))
}

/// A mass as NASA writes it: `21`, `0.5`, `24.54`, `78.400000000000006`.
fn draw_mass(rng: &mut Rng, decades: &Weighted, decimals: &[Weighted]) -> String {
    if rng.chance(19, 45_716) {
        return "0".to_owned();
    }
    let d = decades.pick(rng);
    let (decade, _, _) = MASS_DECADES[d.min(MASS_DECADES.len() - 1)];
    // The top decade stops at Hoba's 60 t: mantissas up to 10^(15/20) ≈ 5.6.
    let j = rng.below(if decade >= 7 { 15 } else { 20 }) as usize;
    let mantissa = MANTISSA[j] + (MANTISSA[j + 1] - MANTISSA[j]) * rng.unit();
    let grams = (mantissa * POW10[(decade + 2).clamp(0, 9) as usize]).min(MAX_MASS_G);
    let style = decimals.get(d).map_or(0, |w| w.pick(rng));
    let places = if style == 4 { 1 } else { style };
    let scale = [1.0, 10.0, 100.0, 1000.0][places.min(3)];
    let units = ((grams * scale).round() as u64).max(1);
    if style == 4 {
        // A float artefact, as NASA's file has for some masses: the value's
        // 17 significant digits (at most 15 decimals), trailing zeros off.
        let value = units as f64 / 10.0;
        let int_digits = (units / 10).max(1).ilog10() as usize + 1;
        let s = format!("{value:.prec$}", prec = 17usize.saturating_sub(int_digits).min(15));
        return s.trim_end_matches('0').trim_end_matches('.').to_owned();
    }
    decimal(units, places)
}

/// `units / 10^places` as a decimal, trailing zeros off: (2150, 2) → `21.5`.
fn decimal(units: u64, places: usize) -> String {
    let scale = 10u64.pow(places as u32);
    let mut s = String::with_capacity(24);
    push_digits(&mut s, units / scale, 1);
    push_fraction(&mut s, units % scale, places, false);
    s
}

/// `prefix 77005`: the prefix, a space, two digits of `year` if any, then
/// `serial` with at least `width` digits.
fn numbered(prefix: &str, year: Option<u64>, serial: u64, width: usize) -> String {
    let mut s = String::with_capacity(prefix.len() + 12);
    s.push_str(prefix);
    s.push(' ');
    if let Some(yy) = year {
        push_digits(&mut s, yy, 2);
    }
    push_digits(&mut s, serial, width);
    s
}

/// `v` in decimal with at least `width` digits (zero-padded).
fn digits(v: u64, width: usize) -> String {
    let mut s = String::with_capacity(width.max(20));
    push_digits(&mut s, v, width);
    s
}

fn push_digits(s: &mut String, mut v: u64, width: usize) {
    let mut buf = [b'0'; 20];
    let mut at = buf.len();
    loop {
        at -= 1;
        buf[at] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    for _ in buf.len() - at..width {
        s.push('0');
    }
    for &b in &buf[at..] {
        s.push(char::from(b));
    }
}

/// The fraction `frac / 10^places` as `.` and its digits without trailing
/// zeros; for a zero fraction nothing, or `.0` if `keep_one`.
fn push_fraction(s: &mut String, frac: u64, places: usize, keep_one: bool) {
    if places == 0 {
        if keep_one {
            s.push_str(".0");
        }
        return;
    }
    let (mut frac, mut places) = (frac, places);
    while places > 0 && frac % 10 == 0 {
        frac /= 10;
        places -= 1;
    }
    if places == 0 {
        if keep_one {
            s.push_str(".0");
        }
        return;
    }
    s.push('.');
    push_digits(s, frac, places);
}

/// A coordinate in 1e-6 degrees as NASA's `reclat`/`reclong`: `50.775000`.
pub(crate) fn fixed6(v: i64) -> String {
    let mut s = String::with_capacity(12);
    if v < 0 {
        s.push('-');
    }
    let a = v.unsigned_abs();
    push_digits(&mut s, a / 1_000_000, 1);
    s.push('.');
    push_digits(&mut s, a % 1_000_000, 6);
    s
}

/// A coordinate in 1e-6 degrees as Python's `repr` writes it, which is what
/// NASA's GeoLocation holds: `50.775`, `-113.0`, `0.0`, and `1.2e-05` below
/// 1e-4.
fn push_python_repr(s: &mut String, v: i64) {
    if v < 0 {
        s.push('-');
    }
    let a = v.unsigned_abs();
    if a != 0 && a < 100 {
        if a < 10 {
            push_digits(s, a, 1);
            s.push_str("e-06");
        } else {
            push_digits(s, a / 10, 1);
            push_fraction(s, a % 10, 1, false);
            s.push_str("e-05");
        }
        return;
    }
    push_digits(s, a / 1_000_000, 1);
    push_fraction(s, a % 1_000_000, 6, true);
}

#[cfg(test)]
fn python_repr(v: i64) -> String {
    let mut s = String::new();
    push_python_repr(&mut s, v);
    s
}

/// NASA's GeoLocation for (lat, lon) in 1e-6 degrees: `(50.775, 6.08333)`.
pub(crate) fn geolocation(lat: i64, lon: i64) -> String {
    let mut s = String::with_capacity(28);
    s.push('(');
    push_python_repr(&mut s, lat);
    s.push_str(", ");
    push_python_repr(&mut s, lon);
    s.push(')');
    s
}

// ---------------------------------------------------------------- writers

/// NASA's JSON: `[{"name": "Aachen", "id": "1", ...}, {...}]`, one line,
/// `", "` and `": "` separators, UTF-8 as is, no final newline.
pub fn to_nasa_json(ds: &Dataset) -> Vec<u8> {
    let mut out = Vec::with_capacity(estimate(ds, 8));
    out.push(b'[');
    for (i, landing) in ds.landings.iter().enumerate() {
        if i > 0 {
            out.extend_from_slice(b", ");
        }
        out.push(b'{');
        for (j, (k, v)) in landing.fields.iter().enumerate() {
            if j > 0 {
                out.extend_from_slice(b", ");
            }
            push_json_str(&mut out, k);
            out.extend_from_slice(b": ");
            push_json_str(&mut out, v);
        }
        out.push(b'}');
    }
    out.push(b']');
    out
}

/// The course's JSON: `{"meteorite_landings": [...]}` indented by two
/// spaces, one field a line, no final newline (as Python's
/// `json.dump(..., indent=2)` writes it). Every field of every landing is
/// written, so a dataset with NASA's ten fields round-trips through it.
pub fn to_course_json(ds: &Dataset) -> Vec<u8> {
    let mut out = Vec::with_capacity(estimate(ds, 16));
    out.extend_from_slice(b"{\n  \"meteorite_landings\": [");
    for (i, landing) in ds.landings.iter().enumerate() {
        out.extend_from_slice(if i > 0 { b",\n    {" } else { b"\n    {" });
        for (j, (k, v)) in landing.fields.iter().enumerate() {
            out.extend_from_slice(if j > 0 { b",\n      " } else { b"\n      " });
            push_json_str(&mut out, k);
            out.extend_from_slice(b": ");
            push_json_str(&mut out, v);
        }
        if !landing.fields.is_empty() {
            out.extend_from_slice(b"\n    ");
        }
        out.push(b'}');
    }
    if !ds.landings.is_empty() {
        out.extend_from_slice(b"\n  ");
    }
    out.extend_from_slice(b"]\n}");
    out
}

/// NASA's CSV: the header (`field_names`), then one line a landing, `\n`
/// line ends, fields quoted only where needed (`"Iron, IIIAB"`,
/// `"(50.775, 6.08333)"`), a missing field as an empty cell.
pub fn to_csv(ds: &Dataset) -> Vec<u8> {
    // Writing into a Vec cannot fail, and flexible rows rule out the only
    // other error: an empty Vec is unreachable.
    write_csv(ds).unwrap_or_default()
}

fn write_csv(ds: &Dataset) -> csv::Result<Vec<u8>> {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .flexible(true)
        .from_writer(Vec::with_capacity(estimate(ds, 2)));
    w.write_record(&ds.field_names)?;
    let mut row: Vec<&str> = Vec::with_capacity(ds.field_names.len());
    for landing in &ds.landings {
        row.clear();
        // Fields are nearly always in header order: follow them with a
        // cursor, and search only when one is out of place.
        let mut next = 0;
        for name in &ds.field_names {
            let value = match landing.fields.get(next) {
                Some((k, v)) if k == name => {
                    next += 1;
                    v.as_str()
                }
                _ => landing.get(name).unwrap_or(""),
            };
            row.push(value);
        }
        w.write_record(&row)?;
    }
    w.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}

/// About how many bytes a writer will need.
fn estimate(ds: &Dataset, per_field: usize) -> usize {
    let fields: usize = ds
        .landings
        .iter()
        .take(100)
        .map(|l| l.fields.iter().map(|(k, v)| k.len() + v.len() + per_field).sum::<usize>())
        .sum();
    let sampled = ds.landings.len().clamp(1, 100);
    fields / sampled * ds.landings.len() + 64
}

/// `s` as a JSON string, escaped as Python's `json` and serde_json do
/// (quote, backslash and control characters only).
fn push_json_str(out: &mut Vec<u8>, s: &str) {
    out.push(b'"');
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let escape: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0x08 => b"\\b",
            0x0c => b"\\f",
            0..=0x1f => b"",
            _ => continue,
        };
        out.extend_from_slice(&bytes[start..i]);
        if escape.is_empty() {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.extend_from_slice(&[
                b'\\',
                b'u',
                b'0',
                b'0',
                HEX[usize::from(b >> 4)],
                HEX[usize::from(b & 15)],
            ]);
        } else {
            out.extend_from_slice(escape);
        }
        start = i + 1;
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

/// The classes of NASA's valid landings, with how many of the 45,716 have each.
const CLASSES: &[(&str, u32)] = &[
    ("L6", 8285),
    ("H5", 7142),
    ("L5", 4796),
    ("H6", 4528),
    ("H4", 4211),
    ("LL5", 2766),
    ("LL6", 2043),
    ("L4", 1253),
    ("H4/5", 428),
    ("CM2", 416),
    ("H3", 386),
    ("L3", 365),
    ("CO3", 335),
    ("Ureilite", 300),
    ("Iron, IIIAB", 285),
    ("LL4", 268),
    ("CV3", 256),
    ("Diogenite", 241),
    ("Howardite", 240),
    ("LL", 225),
    ("Eucrite", 221),
    ("Eucrite-pmict", 207),
    ("E3", 206),
    ("H5/6", 193),
    ("Mesosiderite", 137),
    ("CR2", 135),
    ("LL3", 128),
    ("EH3", 120),
    ("Iron, IIAB", 118),
    ("Iron, ungrouped", 113),
    ("H~5", 111),
    ("L5/6", 109),
    ("Eucrite-mmict", 108),
    ("Martian (shergottite)", 99),
    ("Iron", 94),
    ("L~6", 94),
    ("CK5", 94),
    ("L3.5", 88),
    ("H", 84),
    ("Iron, IAB-MG", 84),
    ("Eucrite-br", 80),
    ("OC", 79),
    ("H3.8", 76),
    ("H3.7", 75),
    ("CK4", 75),
    ("EL6", 72),
    ("Iron, IVA", 69),
    ("Lunar (anorth)", 69),
    ("H4-6", 67),
    ("L3.8", 66),
    ("Aubrite", 63),
    ("H5-6", 63),
    ("L4/5", 59),
    ("Achondrite-ung", 57),
    ("Acapulcoite", 54),
    ("Iron, IAB complex", 54),
    ("L6 ", 54),
    ("LL-melt breccia", 54),
    ("L3.4", 51),
    ("L", 50),
    ("Stone-uncl", 50),
    ("L3.7", 49),
    ("L3.6", 48),
    ("LL5/6", 48),
    ("H4-5", 47),
    ("Iron, IAB-ung", 46),
    ("H3-6", 43),
    ("H3.9", 43),
    ("H3.6", 42),
    ("R4", 42),
    ("L5-6", 41),
    ("Lunar", 41),
    ("Lodranite", 40),
    ("LL5-6", 40),
    ("H3-5", 39),
    ("Pallasite, PMG", 38),
    ("H3/4", 35),
    ("Pallasite", 35),
    ("LL4-6", 34),
    ("L4-6", 33),
    ("Brachinite", 33),
    ("L3-6", 32),
    ("Eucrite-unbr", 32),
    ("L~5", 32),
    ("Iron, IAB-sLL", 28),
    ("LL3.8", 28),
    ("L3.9", 27),
    ("Lunar (feldsp. breccia)", 27),
    ("L/LL6", 26),
    ("Eucrite-cm", 26),
    ("L/LL3", 26),
    ("LL3.7", 26),
    ("Winonaite", 25),
    ("L-imp melt", 25),
    ("L4-5", 24),
    ("Ureilite-pmict", 23),
    ("LL7", 22),
    ("H~6", 22),
    ("H5 ", 22),
    ("Angrite", 21),
    ("CH3", 21),
    ("L7", 21),
    ("L-melt rock", 21),
    ("L5 ", 21),
    ("L/LL4", 20),
    ("LL3.4", 20),
    ("R5", 20),
    ("Iron, IID", 19),
    ("EL3", 19),
    ("CM1", 19),
    ("EH4", 18),
    ("H~4", 18),
    ("CM1/2", 18),
    ("H3.5", 18),
    ("Iron, IAB-sHL", 17),
    ("LL3.6", 17),
    ("LL3.5", 17),
    ("L3.3", 17),
    ("CK6", 17),
    ("LL3.9", 16),
    ("L/LL5", 16),
    ("H3.4", 16),
    ("Lunar (basalt)", 16),
    ("LL3.3", 15),
    ("Chondrite-ung", 15),
    ("L3.2", 15),
    ("R3", 15),
    ("C2-ung", 14),
    ("Iron, IIE", 14),
    ("LL3.2", 14),
    ("Martian (nakhlite)", 14),
    ("Iron, IIIE", 14),
    ("Iron, IVB", 14),
    ("L-melt breccia", 14),
    ("H/L4", 13),
    ("L3-5", 13),
    ("L3.1", 13),
    ("CK3", 13),
    ("EL4", 13),
    ("CO3.5", 12),
    ("C3-ung", 12),
    ("H7", 12),
    ("CK4/5", 12),
    ("L3/4", 12),
    ("Diogenite-pm", 11),
    ("Pallasite, PMG-an", 11),
    ("H/L6", 11),
    ("H-imp melt", 11),
    ("H4 ", 11),
    ("H4-an", 10),
    ("H3-4", 10),
    ("Iron, IAB-sLM", 10),
    ("Iron, IC", 10),
    ("R3-6", 10),
    ("LL4-5", 10),
    ("L~4", 10),
    ("L6-melt breccia", 10),
    ("LL3-6", 9),
    ("CI1", 9),
    ("E6", 9),
    ("EH4/5", 9),
    ("Iron, IIIF", 9),
    ("L6/7", 9),
    ("R3.8", 9),
    ("Iron, IAB-sLH", 9),
    ("R6", 9),
    ("Diogenite-olivine", 9),
    ("L3.8-6", 9),
    ("Achondrite-prim", 9),
    ("LL~5", 9),
    ("CO3.2", 8),
    ("C", 8),
    ("Iron, IIC", 8),
    ("CR", 8),
    ("H-melt rock", 8),
    ("CB", 8),
    ("OC3", 8),
    ("Unknown", 7),
    ("CO3.3", 7),
    ("Iron, IIE-an", 7),
    ("CO3.6", 7),
    ("H3.3", 7),
    ("LL(L)3", 7),
    ("H/L5", 7),
    ("E", 7),
    ("LL-melt rock", 7),
    ("Mesosiderite-C", 7),
    ("Mesosiderite-A1", 6),
    ("Iron, IIF", 6),
    ("EH5", 6),
    ("EL5", 6),
    ("Iron, IVA-an", 6),
    ("Lunar (gabbro)", 6),
    ("Iron, IIG", 6),
    ("Mesosiderite-an", 6),
    ("H/L3", 6),
    ("Acapulcoite/Lodranite", 6),
    ("CK5/6", 6),
    ("H-metal", 6),
    ("H4/6", 6),
    ("EH-imp melt", 6),
    ("Aubrite-an", 6),
    ("E3-an", 6),
    ("LL3.1", 6),
    ("CO3.1", 6),
    ("R3-5", 6),
    ("CBa", 5),
    ("CO3.4", 5),
    ("Mesosiderite-B2", 5),
    ("H3.9/4", 5),
    ("LL4/5", 5),
    ("LL~6", 5),
    ("L(LL)3", 5),
    ("Iron, IAB-sHH", 5),
    ("L-metal", 5),
    ("L/LL5/6", 5),
    ("CBb", 5),
    ("EH6", 5),
    ("Pallasite, ungrouped", 5),
    ("E-an", 5),
    ("E5", 5),
    ("Ureilite-an", 4),
    ("L3-4", 4),
    ("R3.8-6", 4),
    ("E4", 4),
    ("Eucrite-Mg rich", 4),
    ("Mesosiderite-B1", 4),
    ("CO3.0", 4),
    ("CV3-an", 4),
    ("L/LL3.4", 4),
    ("LL3.0", 4),
    ("Pallasite, PES", 4),
    ("Iron, IAB?", 4),
    ("H3.9-6", 4),
    ("H-an", 4),
    ("H5-melt breccia", 4),
    ("Mesosiderite-B", 4),
    ("Iron, IIIAB?", 4),
    ("R3.9", 4),
    ("LL6/7", 4),
    ("H-melt breccia", 4),
    ("CM", 4),
    ("LL3.15", 3),
    ("Mesosiderite-A3", 3),
    ("Iron, IIIAB-an", 3),
    ("LL3.8-6", 3),
    ("R3.6", 3),
    ("H3.0", 3),
    ("Mesosiderite-B4", 3),
    ("Mesosiderite-A2", 3),
    ("C4-ung", 3),
    ("L/LL3-5", 3),
    ("CK3-an", 3),
    ("L/LL~6", 3),
    ("H6-melt breccia", 3),
    ("Eucrite-an", 3),
    ("H~4/5", 3),
    ("Diogenite-an", 3),
    ("L4 ", 3),
    ("Mesosiderite-A4", 3),
    ("CO3.8", 3),
    ("R", 3),
    ("Acapulcoite/lodranite", 3),
    ("CK4-an", 3),
    ("Iron, IAB-an", 3),
    ("CK", 3),
    ("LL3.10", 3),
    ("Enst achon", 3),
    ("Enst achon-ung", 3),
    ("L5-melt breccia", 3),
    ("LL~3", 3),
    ("H3.2-an", 3),
    ("Iron?", 2),
    ("Martian (chassignite)", 2),
    ("H?", 2),
    ("K3", 2),
    ("H3.6-6", 2),
    ("H3.8/4", 2),
    ("H3.9-5", 2),
    ("L(?)3", 2),
    ("Iron, IID-an", 2),
    ("H3.1", 2),
    ("L3.0", 2),
    ("C6", 2),
    ("C4", 2),
    ("H5-an", 2),
    ("Mesosiderite-A", 2),
    ("L3.9-6", 2),
    ("H(L)3", 2),
    ("CM-an", 2),
    ("L/LL~5", 2),
    ("H3.2", 2),
    ("Lunar (bas/anor)", 2),
    ("H(5?)", 2),
    ("LL-imp melt", 2),
    ("L3.05", 2),
    ("L/LL3.2", 2),
    ("CR1", 2),
    ("LL6 ", 2),
    ("EH", 2),
    ("EL6/7", 2),
    ("Mesosiderite-C2", 2),
    ("H3.7-5", 2),
    ("L(LL)3.05", 2),
    ("EL-melt rock", 2),
    ("Iron, IC-an", 2),
    ("Lunar (bas. breccia)", 2),
    ("R3/4", 2),
    ("L3.8-5", 2),
    ("R3.7", 2),
    ("H3.05", 2),
    ("H3.10", 2),
    ("LL3-5", 2),
    ("H6/7", 2),
    ("LL6-melt breccia", 2),
    ("Martian (basaltic breccia)", 2),
    ("H3.8-6", 2),
    ("H3.8-an", 2),
    ("CR2-an", 1),
    ("H/L3.9", 1),
    ("H5-7", 1),
    ("Mesosiderite-A3/4", 1),
    ("EH3/4-an", 1),
    ("L3.7-6", 1),
    ("EH7-an", 1),
    ("LL3.00", 1),
    ("H/L3.6", 1),
    ("CO3.7", 1),
    ("L/LL6-an", 1),
    ("H3.8-5", 1),
    ("R3.8-5", 1),
    ("L3.9/4", 1),
    ("L/LL3.10", 1),
    ("L~3", 1),
    ("L(LL)3.5-3.7", 1),
    ("Iron, IIIE-an", 1),
    ("L3.4-3.7", 1),
    ("Martian (OPX)", 1),
    ("LL7(?)", 1),
    ("LL6(?)", 1),
    ("H3.5-4", 1),
    ("L3.7-3.9", 1),
    ("L3.7-4", 1),
    ("H3.7-6", 1),
    ("C1-ung", 1),
    ("H3-an", 1),
    ("R3.5-6", 1),
    ("L/LL3-6", 1),
    ("H/L3.5", 1),
    ("R3-4", 1),
    ("H(L)3-an", 1),
    ("L/LL~4", 1),
    ("LL3/4", 1),
    ("H3.4/3.5", 1),
    ("Mesosiderite?", 1),
    ("L3.5-3.7", 1),
    ("Iron, IIAB-an", 1),
    ("L3.3-3.7", 1),
    ("L3.2-3.6", 1),
    ("L3.3-3.6", 1),
    ("C2", 1),
    ("C4/5", 1),
    ("L3.5-5", 1),
    ("L/LL(?)3", 1),
    ("H4(?)", 1),
    ("EL4/5", 1),
    ("L5-7", 1),
    ("H3 ", 1),
    ("H6 ", 1),
    ("H3.8-4", 1),
    ("EL7", 1),
    ("CH/CBb", 1),
    ("H/L~4", 1),
    ("LL3.7-6", 1),
    ("H3.7/3.8", 1),
    ("L3.7/3.8", 1),
    ("L3.5-3.9", 1),
    ("L3.2-3.5", 1),
    ("L3.3-3.5", 1),
    ("L3.0-3.7", 1),
    ("K", 1),
    ("L3.10", 1),
    ("L/LL4/5", 1),
    ("L3.8-an", 1),
    ("C5/6-ung", 1),
    ("CV2", 1),
    ("R4/5", 1),
    ("H/L3-4", 1),
    ("L(H)3", 1),
    ("CO3 ", 1),
    ("CH3 ", 1),
    ("LL~4", 1),
    ("LL~4/5", 1),
    ("L(LL)~4", 1),
    ("Impact melt breccia", 1),
    ("H/L3.7", 1),
    ("LL3-4", 1),
    ("CK3/4", 1),
    ("Martian", 1),
    ("Lunar (bas/gab brec)", 1),
    ("LL<3.5", 1),
    ("CK3.8", 1),
    ("L/LL-melt rock", 1),
    ("EL6 ", 1),
    ("Iron, IAB-sHL-an", 1),
    ("CM2-an", 1),
    ("L4-melt rock", 1),
    ("L6-melt rock", 1),
    ("H/L4/5", 1),
    ("EL3/4", 1),
    ("H/L6-melt rock", 1),
    ("L3-7", 1),
    ("R3.4", 1),
    ("LL3.05", 1),
    ("LL4/6", 1),
    ("LL3.8-4", 1),
    ("H3.15", 1),
    ("C3.0-ung", 1),
    ("LL(L)3.1", 1),
    ("LL6-an", 1),
    ("L4-melt breccia", 1),
    ("Howardite-an", 1),
    ("H4-melt breccia", 1),
    ("L3-melt breccia", 1),
    ("L~4-6", 1),
    ("R3.5-4", 1),
    ("CR7", 1),
    ("Lunar (norite)", 1),
    ("L3.00", 1),
    ("H3.0-3.4", 1),
    ("L/LL4-6", 1),
    ("EH7", 1),
    ("L4-an", 1),
    ("H3.8/3.9", 1),
    ("L3.9-5", 1),
    ("H3.4-5", 1),
    ("L3.0-3.9", 1),
    ("L3.5-3.8", 1),
    ("H3.2-3.7", 1),
    ("L3.6-4", 1),
    ("Iron, IIE?", 1),
    ("C3/4-ung", 1),
    ("L/LL3.5", 1),
    ("L/LL3.6/3.7", 1),
    ("H/L4-5", 1),
    ("Pallasite?", 1),
    ("LL5-7", 1),
    ("LL3.9/4", 1),
    ("CR-an", 1),
    ("L/LL5-6", 1),
    ("L(LL)5", 1),
    ("L(LL)6", 1),
    ("LL3.1-3.5", 1),
    ("Lodranite-an", 1),
    ("H3.2-6", 1),
    ("H(?)4", 1),
    ("E5-an", 1),
    ("EH6-an", 1),
    ("Stone-ung", 1),
    ("C1/2-ung", 1),
    ("L/LL", 1),
];

#[cfg(test)]
mod tests {
    use std::collections::{HashMap, HashSet};

    use super::*;
    use crate::data::source::parse;
    use crate::data::{Format, NASA_FIELDS};

    fn fnv1a(bytes: &[u8]) -> u64 {
        bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
    }

    #[test]
    fn same_seed_same_landings_other_seed_other_landings() {
        let a = to_nasa_json(&generate(3000, 42));
        assert_eq!(a, to_nasa_json(&generate(3000, 42)));
        assert_ne!(a, to_nasa_json(&generate(3000, 43)));
        // A prefix of a longer run is the shorter run.
        let long = generate(3100, 42);
        assert_eq!(generate(3000, 42).landings, long.landings[..3000]);
    }

    #[test]
    fn landings_streams_the_same_set() {
        let streamed: Vec<Landing> = landings(500, 5).collect();
        assert_eq!(streamed, generate(500, 5).landings);
        assert_eq!(landings(500, 5).len(), 500);
        assert_eq!(landings(0, 5).next(), None);
    }

    /// Pins the generator's output: the same on every platform and every
    /// build. A deliberate change to the generator updates this number.
    #[test]
    fn output_is_pinned() {
        assert_eq!(fnv1a(&to_nasa_json(&generate(5000, 2024))), GOLDEN, "generate(5000, 2024) changed");
    }
    const GOLDEN: u64 = 6096943783716205943;

    #[test]
    fn first_landings_look_like_nasa() {
        let ds = generate(2, 1);
        assert_eq!(ds.shape, Shape::Generated);
        let text =
            |l: &Landing| l.fields.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("|");
        assert_eq!(
            text(&ds.landings[0]),
            "name=Yamato 960001|id=1|nametype=Valid|recclass=EH3|mass (g)=270|fall=Found|year=1996"
        );
        assert_eq!(
            text(&ds.landings[1]),
            "name=Dar al Gani 001|id=2|nametype=Valid|recclass=H6|mass (g)=380209|fall=Found|year=2006|\
             reclat=26.573680|reclong=16.059490|GeoLocation=(26.57368, 16.05949)"
        );
    }

    #[test]
    fn round_trips_through_every_shape() {
        let ds = generate(2000, 7);
        for (bytes, shape, hint) in [
            (to_nasa_json(&ds), Shape::NasaJson, None),
            (to_course_json(&ds), Shape::CourseJson, None),
            (to_csv(&ds), Shape::NasaCsv, None),
            (to_nasa_json(&ds), Shape::NasaJson, Some(Format::Json)),
            (to_csv(&ds), Shape::NasaCsv, Some(Format::Csv)),
        ] {
            let back = parse(&bytes, hint).expect("parses");
            assert_eq!(back.shape, shape);
            assert_eq!(back.landings, ds.landings, "{shape}");
            assert_eq!(back.field_names, ds.field_names, "{shape}");
            assert_eq!(back.missing, ds.missing, "{shape}");
        }
    }

    #[test]
    fn distributions_look_like_nasa() {
        let n = 100_000;
        let ds = generate(n, 2);
        let share = |count: usize| count as f64 / n as f64;
        let count = |f: &dyn Fn(&Landing) -> bool| ds.landings.iter().filter(|l| f(l)).count();

        assert_eq!(ds.field_names, NASA_FIELDS);
        let found = share(count(&|l| l.fall() == Some("Found")));
        assert!((0.96..=0.99).contains(&found), "Found {found}");
        assert_eq!(count(&|l| matches!(l.fall(), Some("Found" | "Fell"))), n);
        let valid = share(count(&|l| l.nametype() == Some("Valid")));
        assert!((0.997..=0.9995).contains(&valid), "Valid {valid}");

        let missing = |f: &str| share(ds.missing[f] as usize);
        assert!((0.001..=0.006).contains(&missing("mass (g)")), "no mass {}", missing("mass (g)"));
        assert!((0.003..=0.010).contains(&missing("year")), "no year {}", missing("year"));
        assert!((0.13..=0.19).contains(&missing("reclat")), "no coordinates {}", missing("reclat"));
        assert_eq!(ds.missing["reclat"], ds.missing["GeoLocation"]);
        assert_eq!(ds.missing["name"] + ds.missing["id"] + ds.missing["fall"] + ds.missing["recclass"], 0);

        let antarctic = share(count(&|l| l.coords().is_some_and(|(lat, _)| lat < -60.0)));
        assert!((0.42..=0.54).contains(&antarctic), "Antarctica {antarctic}");
        let zero = share(count(&|l| l.coords() == Some((0.0, 0.0))));
        assert!((0.10..=0.17).contains(&zero), "(0, 0) {zero}");

        let mut classes: HashMap<&str, usize> = HashMap::new();
        for l in &ds.landings {
            *classes.entry(l.class().unwrap_or("")).or_default() += 1;
        }
        assert!(classes.len() >= 300, "{} classes", classes.len());
        let mut by_count: Vec<(&str, usize)> = classes.into_iter().collect();
        by_count.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        let top: Vec<&str> = by_count.iter().take(2).map(|c| c.0).collect();
        assert_eq!(top, ["L6", "H5"]);
        assert!((0.15..=0.21).contains(&share(by_count[0].1)));

        let masses: Vec<f64> = ds.landings.iter().filter_map(Landing::mass_g).collect();
        assert_eq!(masses.len() as u64, n as u64 - ds.missing["mass (g)"]);
        assert!(masses.iter().all(|&m| (0.0..=MAX_MASS_G).contains(&m)));
        let mut sorted = masses.clone();
        sorted.sort_by(f64::total_cmp);
        let median = sorted[sorted.len() / 2];
        assert!((15.0..=60.0).contains(&median), "median mass {median}");
        assert!(sorted[sorted.len() - 1] > 1e6, "no big ones");

        let years: Vec<i32> = ds.landings.iter().filter_map(Landing::year).collect();
        assert!(years.iter().all(|y| (860..=2101).contains(y)));
        let recent = years.iter().filter(|y| (1950..=2013).contains(*y)).count() as f64 / years.len() as f64;
        assert!(recent > 0.9, "1950–2013 {recent}");
        assert!(years.iter().any(|&y| y < 1800));

        let names: HashSet<&str> = ds.landings.iter().filter_map(Landing::name).collect();
        assert_eq!(names.len(), n, "names are unique");
        let ids: HashSet<&str> = ds.landings.iter().map(Landing::id).collect();
        assert_eq!(ids.len(), n);
        assert!(names.iter().any(|n| !n.is_ascii()), "some UTF-8 names");
        assert!(names.iter().any(|n| n.starts_with("Northwest Africa ")));
    }

    #[test]
    fn values_are_formatted_like_nasa() {
        let ds = generate(20_000, 3);
        for l in &ds.landings {
            let order: Vec<&str> = l.fields.iter().map(|(k, _)| k.as_str()).collect();
            let expected: Vec<&str> = NASA_FIELDS.iter().copied().filter(|f| l.get(f).is_some()).collect();
            assert_eq!(order, expected);
            if let Some(m) = l.get("mass (g)") {
                assert!(m.parse::<f64>().is_ok(), "{m}");
                assert!(!m.contains('.') || !m.ends_with('0'), "{m}");
                assert!(!m.starts_with('.') && !m.ends_with('.'), "{m}");
            }
            if let Some(y) = l.get("year") {
                assert!(y.len() == 4 && y.bytes().all(|b| b.is_ascii_digit()), "{y}");
            }
            if let Some(lat) = l.get("reclat") {
                let lon = l.get("reclong").expect("reclong with reclat");
                for v in [lat, lon] {
                    let (_, frac) = v.split_once('.').expect("a decimal point");
                    assert_eq!(frac.len(), 6, "{v}");
                }
                // Rust's `{:?}` is Python's `repr` for these (not below 1e-4).
                let (la, lo) = l.coords().expect("readable");
                if la.abs() >= 1e-4 && lo.abs() >= 1e-4 {
                    assert_eq!(l.get("GeoLocation"), Some(format!("({la:?}, {lo:?})").as_str()));
                }
            }
        }
        let masses: HashSet<&str> = ds.landings.iter().filter_map(|l| l.get("mass (g)")).collect();
        assert!(masses.iter().any(|m| m.len() > 15), "float artefacts");
        assert!(masses.iter().any(|m| !m.contains('.')), "whole grams");
    }

    #[test]
    fn sites_keep_names_unique() {
        for s in FOUND_SITES {
            assert!(!s.prefix.ends_with(|c: char| c.is_ascii_digit()), "{}", s.prefix);
            for t in FOUND_SITES.iter().filter(|t| t.prefix == s.prefix) {
                assert_eq!(s.style, t.style, "{}", s.prefix);
            }
            assert!(FALL_SITES.iter().all(|f| f.0 != s.prefix), "{}", s.prefix);
        }
        for (name, ..) in FALL_SITES {
            assert!(!name.ends_with(|c: char| c.is_ascii_digit()), "{name}");
            assert_eq!(FALL_SITES.iter().filter(|f| f.0 == *name).count(), 1, "{name}");
        }
        let classes: HashSet<&str> = CLASSES.iter().map(|c| c.0).collect();
        assert_eq!(classes.len(), CLASSES.len());
    }

    #[test]
    fn coordinates_and_decimals() {
        assert_eq!(fixed6(50_775_000), "50.775000");
        assert_eq!(fixed6(-113_000_000), "-113.000000");
        assert_eq!(fixed6(0), "0.000000");
        assert_eq!(fixed6(-5), "-0.000005");
        assert_eq!(geolocation(50_775_000, 6_083_330), "(50.775, 6.08333)");
        assert_eq!(geolocation(54_216_670, -113_000_000), "(54.21667, -113.0)");
        assert_eq!(geolocation(0, 0), "(0.0, 0.0)");
        assert_eq!(geolocation(-10_059_440, 33_395_000), "(-10.05944, 33.395)");
        // Python's repr switches to exponents below 1e-4.
        for (v, s) in [(100, "0.0001"), (10, "1e-05"), (-12, "-1.2e-05"), (5, "5e-06"), (-500_000, "-0.5")] {
            assert_eq!(python_repr(v), s);
        }
        assert_eq!(decimal(2150, 2), "21.5");
        assert_eq!(decimal(2100, 2), "21");
        assert_eq!(decimal(5, 1), "0.5");
        assert_eq!(decimal(1, 2), "0.01");
        assert_eq!(decimal(720, 0), "720");
    }

    #[test]
    fn years_stay_within_their_tables() {
        let mut rng = Rng(9);
        for _ in 0..10_000 {
            let y = draw_year(&mut rng, FELL_YEARS);
            assert!((860..2014).contains(&y), "{y}");
            let y = draw_year(&mut rng, FOUND_YEARS);
            assert!((1575..2014).contains(&y), "{y}");
        }
    }

    #[test]
    fn json_strings_are_escaped() {
        let ds = Dataset::from_landings(
            vec![Landing::of_pairs(&[("id", "1"), ("name", "say \"hi\"\\ \n\t\u{1}\u{1f} Aïr \u{2028} /")])],
            Shape::NasaJson,
        );
        let json = to_nasa_json(&ds);
        assert_eq!(
            String::from_utf8(json.clone()).expect("utf-8"),
            "[{\"id\": \"1\", \"name\": \"say \\\"hi\\\"\\\\ \\n\\t\\u0001\\u001f Aïr \u{2028} /\"}]"
        );
        let value: serde_json::Value = serde_json::from_slice(&json).expect("valid JSON");
        assert_eq!(value[0]["name"], "say \"hi\"\\ \n\t\u{1}\u{1f} Aïr \u{2028} /");
        assert_eq!(parse(&json, None).expect("parses").landings, ds.landings);
        assert_eq!(parse(&to_course_json(&ds), None).expect("parses").landings, ds.landings);
        assert_eq!(parse(&to_csv(&ds), None).expect("parses").landings, ds.landings);
    }

    #[test]
    fn writers_follow_each_shape() {
        let ds = Dataset::from_landings(
            vec![
                Landing::of_pairs(&[
                    ("name", "Aïr"),
                    ("id", "424"),
                    ("recclass", "Iron, IIIAB"),
                    ("GeoLocation", "(1.0, 2.0)"),
                ]),
                Landing::of_pairs(&[("name", "Ruiz"), ("id", "10001")]),
            ],
            Shape::Generated,
        );
        assert_eq!(
            String::from_utf8(to_nasa_json(&ds)).expect("utf-8"),
            r#"[{"name": "Aïr", "id": "424", "recclass": "Iron, IIIAB", "GeoLocation": "(1.0, 2.0)"}, {"name": "Ruiz", "id": "10001"}]"#
        );
        assert_eq!(
            String::from_utf8(to_course_json(&ds)).expect("utf-8"),
            "{\n  \"meteorite_landings\": [\n    {\n      \"name\": \"Aïr\",\n      \"id\": \"424\",\n      \
             \"recclass\": \"Iron, IIIAB\",\n      \"GeoLocation\": \"(1.0, 2.0)\"\n    },\n    {\n      \
             \"name\": \"Ruiz\",\n      \"id\": \"10001\"\n    }\n  ]\n}"
        );
        assert_eq!(
            String::from_utf8(to_csv(&ds)).expect("utf-8"),
            "name,id,recclass,GeoLocation\nAïr,424,\"Iron, IIIAB\",\"(1.0, 2.0)\"\nRuiz,10001,,\n"
        );
        let empty = generate(0, 1);
        assert!(empty.is_empty());
        assert_eq!(to_nasa_json(&empty), b"[]");
        assert_eq!(to_course_json(&empty), b"{\n  \"meteorite_landings\": []\n}");
        let same: serde_json::Value = serde_json::from_slice(&to_course_json(&empty)).expect("valid");
        assert_eq!(same, serde_json::json!({"meteorite_landings": []}));
    }
}
