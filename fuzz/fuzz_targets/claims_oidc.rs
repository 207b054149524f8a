//! An ID token from bytes through `claims::verify_id_token`, with a fixed IdP and JWKS; the
//! first byte chooses whether the input is the token or the JWKS.
#![no_main]

use libfuzzer_sys::fuzz_target;
use policyc::claims::{IdpConfig, IdpKind, Limits, verify_id_token};

const JWKS: &str = r#"{"keys":[{"kty":"EC","crv":"P-256","kid":"ec-1","use":"sig","alg":"ES256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}]}"#;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let mut idp = IdpConfig::new(
        "corp",
        if mode & 2 == 0 {
            IdpKind::Oidc
        } else {
            IdpKind::OktaOidc
        },
    );
    idp.issuer = Some("https://idp.example.okta.com".into());
    idp.audience = Some("0oa1sp2client3id4".into());
    let input = String::from_utf8_lossy(rest);
    let (token, jwks) = if mode & 1 == 0 {
        (&*input, JWKS)
    } else {
        ("a.b.c", &*input)
    };
    let _ = verify_id_token(token, &idp, jwks, 1_720_481_750, &Limits::default());
});
