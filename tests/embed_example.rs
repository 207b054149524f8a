//! Runs `examples/embed.rs`, the embedding API's documented example, and checks what it says.

#[allow(dead_code)]
#[path = "../examples/embed.rs"]
mod embed;

#[test]
fn the_embedding_example_decides_as_documented() {
    let out = embed::run().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        out,
        "pwd + phr: allow by rule `admins_in_office` (#1)\n\
         pwd + otp: challenge by rule `admins_in_office` (#1) with okta_verify.fastpass, webauthn\n\
         pwd + otp, allow or not: deny by rule `admins_in_office` (#1)\n\
         pwd + local webauthn: allow by rule `admins_in_office` (#1)\n"
    );
}
