//! The JSON codec over a synthetic population: the fast decoder for the
//! library's own output agrees with the strict decoder.

use fldm_core::codec::json::{
    Strictness, person_from_json, person_from_own_json, person_to_json, person_to_json_pretty,
};

#[test]
fn own_json_decodes_like_strict_json() {
    for p in fldm_synth::population(500, 3) {
        let text = person_to_json(&p);
        assert_eq!(person_from_own_json(&text).expect("own"), p);
        // Other formatting: the full decoder takes over, same result.
        let pretty = person_to_json_pretty(&p);
        assert_eq!(person_from_own_json(&pretty).expect("pretty"), p);
    }
    let p = &fldm_synth::population(1, 3)[0];
    let text = person_to_json(p);
    // An unknown field is refused, as in strict mode, with its path.
    let extra = text.replacen("{", "{\"zusatz\":1,", 1);
    let (a, b) = (
        person_from_own_json(&extra).expect_err("unknown field"),
        person_from_json(&extra, Strictness::Strict).expect_err("unknown field"),
    );
    assert_eq!((a.to_string(), a.field()), (b.to_string(), b.field()));
    assert_eq!(a.field(), Some("zusatz"));
    // An invalid value: the same error naming the field.
    let bad = text.replacen(
        "\"staatsangehoerigkeiten\":[",
        "\"staatsangehoerigkeiten\":[\"1\",",
        1,
    );
    assert_ne!(bad, text);
    let (a, b) = (
        person_from_own_json(&bad).expect_err("invalid"),
        person_from_json(&bad, Strictness::Strict).expect_err("invalid"),
    );
    assert_eq!((a.to_string(), a.field()), (b.to_string(), b.field()));
    assert_eq!(
        a.field(),
        Some("grundpersonalien.staatsangehoerigkeiten[0]")
    );
}
