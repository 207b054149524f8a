//! The `import-unsupported` corpus: every folder under `tests/corpus/import/import-unsupported/`
//! is an org folder `policyc import okta` reads, run through the real binary.
//!
//! Each holds an `expect.txt`: a header (`# expect: import-unsupported` or `# expect: nothing`,
//! then comments saying what it tests) and the findings import must print, exactly and in order,
//! each as `warning[import-unsupported]: OBJECT: MESSAGE` and `  --> FILE#/JSON/POINTER`.
//! `fires_*` folders must report them and exit 1 after writing the whole set; `near_miss_*`
//! folders must report nothing and exit 0. The written set must compile without a diagnostic,
//! and is snapshotted (`tests/snapshots/corpus_import__*.snap`) so that the comments and the
//! `status inactive` import writes in place of what it cannot keep are reviewed.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Scratch, policyc, stderr};
use policyc::source::{SourceFile, Sources};
use std::path::Path;

#[test]
fn every_import_fixture_reports_exactly_what_it_expects() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/import/import-unsupported");
    let mut dirs: Vec<_> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    let (mut fires, mut near) = (0, 0);
    for dir in dirs {
        let name = dir.file_name().unwrap().to_str().unwrap().to_owned();
        let expect = std::fs::read_to_string(dir.join("expect.txt")).unwrap();
        let header = expect.lines().next().unwrap();
        let wanted: Vec<&str> = expect.lines().filter(|l| !l.starts_with('#')).collect();
        let s = Scratch::new(&format!("corpus_import_{name}"), &[]);
        let o = policyc(
            &["import", "okta", dir.to_str().unwrap(), "-o", "out"],
            &s.0,
        );
        let err = stderr(&o);
        let found: Vec<&str> = err
            .lines()
            .collect::<Vec<_>>()
            .windows(2)
            .filter(|w| w[0].starts_with("warning[import-unsupported]"))
            .flat_map(|w| [w[0], w[1]])
            .collect();
        assert_eq!(found, wanted, "{name}:\n{err}");
        if name.starts_with("fires_") {
            fires += 1;
            assert_eq!(header, "# expect: import-unsupported", "{name}");
            assert!(!wanted.is_empty(), "{name}");
            assert_eq!(o.status.code(), Some(1), "{name}: {err}");
        } else {
            near += 1;
            assert!(name.starts_with("near_miss_"), "{name}");
            assert_eq!(header, "# expect: nothing", "{name}");
            assert_eq!(o.status.code(), Some(0), "{name}: {err}");
        }
        // Everything else was written, and compiles.
        let text = s.read("out/org.policy");
        let mut sources = Sources::new();
        sources.add(SourceFile::new("org.policy", text.as_str()));
        let c = policyc::compile(sources);
        assert!(c.diagnostics.is_empty(), "{name}: {:?}", c.diagnostics);
        insta::assert_snapshot!(name, text);
    }
    assert!(fires >= 3 && near >= 1, "{fires} fires, {near} near misses");
}
