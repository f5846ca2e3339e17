//! Cross-module tests: published vectors, adversarial inputs, property tests.

use super::headers::parse_timestamp;
use super::*;
use proptest::prelude::*;
use serde_json::json;

const TOL: i64 = 300;

fn p(name: &str) -> Provider {
    Provider::parse(name, &json!({})).unwrap()
}

fn odoo() -> Provider {
    Provider::parse(
        "hmac",
        &json!({"signature_header":"x-ipai-signature","timestamp_header":"x-ipai-timestamp"}),
    )
    .unwrap()
}

fn hmac_full() -> Provider {
    Provider::parse(
        "hmac",
        &json!({"signature_header":"X-Sig","prefix":"sha512=","encoding":"base64",
                "algorithm":"sha512","timestamp_header":"X-Ts","timestamp_unit":"ms",
                "id_header":"X-Id","payload":"{id}:{timestamp}:{body}"}),
    )
    .unwrap()
}

fn hdrs(pairs: &[(&str, &str)]) -> Headers {
    Headers::from_pairs(pairs.iter().copied())
}

fn reason(v: &Verification) -> Option<&Reason> {
    assert_eq!(v.valid, v.reason.is_none(), "{v:?}");
    assert_eq!(v.valid, v.matched_secret.is_some(), "{v:?}");
    v.reason.as_ref()
}

fn assert_valid(v: Verification, index: usize) {
    assert_eq!(v, Verification { valid: true, reason: None, matched_secret: Some(index) });
}

fn assert_reason(v: Verification, expected: Reason) {
    assert_eq!(reason(&v), Some(&expected), "{v:?}");
}

fn assert_code(v: Verification, code: &str) {
    assert_eq!(reason(&v).map(Reason::code), Some(code), "{v:?}");
}

// ---------------------------------------------------------------- vectors

/// docs.github.com, "Validating webhook deliveries".
/// python3 -c "import hmac,hashlib;print(hmac.new(b\"It's a Secret to Everybody\",b'Hello, World!',hashlib.sha256).hexdigest())"
#[test]
fn vector_github_docs() {
    let h = hdrs(&[(
        "X-Hub-Signature-256",
        "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17",
    )]);
    assert_valid(verify(&p("github"), &["It's a Secret to Everybody"], b"Hello, World!", &h, TOL, 0), 0);
    let signed = sign(&p("github"), "It's a Secret to Everybody", b"Hello, World!", "", 0).unwrap();
    assert_eq!(signed[0].1, "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17");
}

/// The Standard Webhooks reference libraries' test vector.
/// python3 -c "import hmac,hashlib,base64;print(base64.b64encode(hmac.new(base64.b64decode('MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'),b'msg_p5jXN8AQM9LWM0D4loKWxJek.1614265330.{\"test\": 2432232314}',hashlib.sha256).digest()))"
#[test]
fn vector_standard_webhooks() {
    let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    let body = br#"{"test": 2432232314}"#;
    let sig = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
    let h = hdrs(&[
        ("webhook-id", "msg_p5jXN8AQM9LWM0D4loKWxJek"),
        ("webhook-timestamp", "1614265330"),
        ("webhook-signature", sig),
    ]);
    assert_valid(verify(&p("standard"), &[secret], body, &h, TOL, 1_614_265_330 + 10), 0);
    // Without the whsec_ prefix the same key is used.
    assert_valid(
        verify(&p("standard"), &["MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"], body, &h, TOL, 1_614_265_330),
        0,
    );
    // Svix's header names.
    let svix = hdrs(&[
        ("Svix-Id", "msg_p5jXN8AQM9LWM0D4loKWxJek"),
        ("Svix-Timestamp", "1614265330"),
        ("Svix-Signature", sig),
    ]);
    assert_valid(verify(&p("svix"), &[secret], body, &svix, TOL, 1_614_265_330), 0);
    let signed = sign(&p("standard"), secret, body, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1_614_265_330).unwrap();
    assert_eq!(signed[2], ("webhook-signature".to_string(), sig.to_string()));
}

/// Slack's worked example (docs: "Verifying requests from Slack"). The body's
/// token is `xyzz0WbapA4vBCDEFasx0q6G`; a copy circulating with
/// `xyzz0WbapA4vBCDEbOTyxxZ2` does not produce the documented signature.
/// python3 -c "import hmac,hashlib;print(hmac.new(b'8f742231b10e8888abcd99yyyzzz85a5',b'v0:1531420618:token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c',hashlib.sha256).hexdigest())"
const SLACK_BODY: &str = "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";

#[test]
fn vector_slack_docs() {
    let h = hdrs(&[
        ("X-Slack-Request-Timestamp", "1531420618"),
        ("X-Slack-Signature", "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"),
    ]);
    let secret = "8f742231b10e8888abcd99yyyzzz85a5";
    assert_valid(verify(&p("slack"), &[secret], SLACK_BODY.as_bytes(), &h, TOL, 1_531_420_618), 0);
    assert_reason(
        verify(&p("slack"), &[secret], SLACK_BODY.as_bytes(), &h, TOL, 1_531_420_618 + TOL + 1),
        Reason::TimestampTooOld,
    );
}

/// Own vector (Stripe publishes none).
/// python3 -c "import hmac,hashlib;print(hmac.new(b'whsec_test_secret',b'1700000000.{\"id\":\"evt_1\",\"type\":\"payment_intent.succeeded\"}',hashlib.sha256).hexdigest())"
#[test]
fn vector_stripe() {
    let body = br#"{"id":"evt_1","type":"payment_intent.succeeded"}"#;
    let h = hdrs(&[(
        "Stripe-Signature",
        "t=1700000000,v1=22d8dc182f5c588077683bd378368e29765bfe5df2560112b4f28fef120f0e31",
    )]);
    assert_valid(verify(&p("stripe"), &["whsec_test_secret"], body, &h, TOL, 1_700_000_000), 0);
    let signed = sign(&p("stripe"), "whsec_test_secret", body, "", 1_700_000_000).unwrap();
    assert_eq!(signed[0].1, h.get("stripe-signature").unwrap());
}

/// Own vector (Shopify publishes none).
/// python3 -c "import hmac,hashlib,base64;print(base64.b64encode(hmac.new(b'shpss_test_secret',b'{\"id\":1,\"topic\":\"orders/create\"}',hashlib.sha256).digest()).decode())"
#[test]
fn vector_shopify() {
    let body = br#"{"id":1,"topic":"orders/create"}"#;
    let h = hdrs(&[("X-Shopify-Hmac-Sha256", "k72tceQzwLrcNoh8q2ZaNlbbj/oVrcHNV4qHTP1iWNs=")]);
    assert_valid(verify(&p("shopify"), &["shpss_test_secret"], body, &h, TOL, 0), 0);
    assert_eq!(
        sign(&p("shopify"), "shpss_test_secret", body, "", 0).unwrap()[0].1,
        h.get("x-shopify-hmac-sha256").unwrap()
    );
}

/// Own vectors for the generic scheme (Odoo bridge defaults, and sha512/base64/ms/{id}).
/// python3 -c "import hmac,hashlib;print(hmac.new(b'odoo-bridge-secret',b'1700000000.{\"event\":\"sale.order.confirmed\",\"id\":42}',hashlib.sha256).hexdigest())"
/// python3 -c "import hmac,hashlib,base64;print(base64.b64encode(hmac.new(b'k',b'evt-9:1700000000123:hello',hashlib.sha512).digest()).decode())"
/// python3 -c "import hmac,hashlib;print(hmac.new(b'k',b'hello',hashlib.sha1).hexdigest())"
#[test]
fn vector_hmac() {
    let body = br#"{"event":"sale.order.confirmed","id":42}"#;
    let h = hdrs(&[
        ("X-IPAI-Timestamp", "1700000000"),
        ("X-IPAI-Signature", "aea42dfca5c4d4bd7571f179f0ece54df819e78a76d56b31b222ed3392dba197"),
    ]);
    assert_valid(verify(&odoo(), &["odoo-bridge-secret"], body, &h, 300, 1_700_000_299), 0);
    assert_reason(
        verify(&odoo(), &["odoo-bridge-secret"], body, &h, 300, 1_700_000_301),
        Reason::TimestampTooOld,
    );

    let h = hdrs(&[
        ("x-id", "evt-9"),
        ("x-ts", "1700000000123"),
        (
            "x-sig",
            "sha512=uVSP1IUWHvcsc+JDZaGqYosVdnCmBH/SkEsDWH1DaUoWqYjW1BrXy6VBIbtJ+ik66oLpPuad049YpylNDiX4Vg==",
        ),
    ]);
    assert_valid(verify(&hmac_full(), &["k"], b"hello", &h, 60, 1_700_000_010), 0);
    assert_reason(verify(&hmac_full(), &["k"], b"hello", &h, 60, 1_699_999_000), Reason::TimestampInFuture);

    let sha1 = Provider::parse("hmac", &json!({"algorithm":"sha1","signature_header":"x-hook-sig"})).unwrap();
    let h = hdrs(&[("x-hook-sig", "0b7938d1a2cdcafa94645a5c3508f7236ae457a9")]);
    assert_valid(verify(&sha1, &["k"], b"hello", &h, 0, 0), 0);
}

// ------------------------------------------------------------ adversarial

fn github_headers(sig: &str) -> Headers {
    hdrs(&[("x-hub-signature-256", sig)])
}

const GH_SIG: &str = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";
const GH_SECRET: &str = "It's a Secret to Everybody";

#[test]
fn empty_and_truncated_signatures_never_verify() {
    let gh = |sig: &str| verify(&p("github"), &[GH_SECRET], b"Hello, World!", &github_headers(sig), TOL, 0);
    // `sha256=` with nothing after it decodes to zero bytes, which ct::eq refuses.
    assert_reason(gh("sha256="), Reason::NoMatchingSignature);
    for cut in [8, 20, 64, 70] {
        assert!(!gh(&GH_SIG[..cut]).valid, "cut {cut}");
    }
    assert_reason(gh(&GH_SIG[..GH_SIG.len() - 2]), Reason::NoMatchingSignature);
    assert_code(gh(&GH_SIG[..GH_SIG.len() - 1]), "malformed_header");
    assert_reason(gh(""), Reason::MissingHeader("x-hub-signature-256".into()));
    // Extra bytes are as bad as missing ones.
    assert_reason(gh(&format!("{GH_SIG}00")), Reason::NoMatchingSignature);

    // Standard: `v1,` alone and a truncated base64 signature.
    let (secret, body, ts) =
        ("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", br#"{"test": 2432232314}"#, "1614265330");
    let std = |sig: &str| {
        let h = hdrs(&[
            ("webhook-id", "msg_p5jXN8AQM9LWM0D4loKWxJek"),
            ("webhook-timestamp", ts),
            ("webhook-signature", sig),
        ]);
        verify(&p("standard"), &[secret], body, &h, TOL, 1_614_265_330)
    };
    assert_reason(std("v1,"), Reason::NoMatchingSignature);
    // Dropping the `=` padding: not canonical base64, refused outright.
    assert_code(std("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE"), "malformed_header");
    // One byte short (43 bytes of 44 chars, padded): decodes, cannot match.
    assert_reason(std("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1A=="), Reason::NoMatchingSignature);
    assert_reason(std("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJE"), Reason::NoMatchingSignature);
    // Stripe `v1=` empty.
    let h = hdrs(&[("stripe-signature", "t=1700000000,v1=")]);
    assert_reason(
        verify(&p("stripe"), &["whsec_test_secret"], b"{}", &h, TOL, 1_700_000_000),
        Reason::NoMatchingSignature,
    );
}

#[test]
fn wrong_secret_and_tampered_body() {
    let h = github_headers(GH_SIG);
    assert_reason(
        verify(&p("github"), &["wrong"], b"Hello, World!", &h, TOL, 0),
        Reason::NoMatchingSignature,
    );
    assert_reason(
        verify(&p("github"), &[GH_SECRET], b"Hello, World?", &h, TOL, 0),
        Reason::NoMatchingSignature,
    );
    assert_reason(
        verify(&p("github"), &[GH_SECRET], b"Hello, World! ", &h, TOL, 0),
        Reason::NoMatchingSignature,
    );
    assert_reason(verify(&p("github"), &[GH_SECRET], b"", &h, TOL, 0), Reason::NoMatchingSignature);
    // A secret that is a prefix/extension of the real one.
    assert_reason(
        verify(&p("github"), &["It's a Secret"], b"Hello, World!", &h, TOL, 0),
        Reason::NoMatchingSignature,
    );
}

#[test]
fn uppercase_hex_and_header_case_variants() {
    let upper = format!("sha256={}", GH_SIG["sha256=".len()..].to_ascii_uppercase());
    for (name, value) in [
        ("X-HUB-SIGNATURE-256", GH_SIG),
        ("x-hub-signature-256", GH_SIG),
        ("X-Hub-Signature-256", upper.as_str()),
    ] {
        let h = hdrs(&[(name, value)]);
        assert_valid(verify(&p("github"), &[GH_SECRET], b"Hello, World!", &h, TOL, 0), 0);
    }
    // The prefix itself is case-sensitive, as GitHub sends it.
    assert_code(
        verify(
            &p("github"),
            &[GH_SECRET],
            b"Hello, World!",
            &github_headers(&GH_SIG.replace("sha256", "SHA256")),
            TOL,
            0,
        ),
        "malformed_header",
    );
    // PostgREST-style JSON headers.
    let h = Headers::from_json(&json!({"X-Hub-Signature-256": GH_SIG, "Content-Type": "application/json"}))
        .unwrap();
    assert_valid(verify(&p("github"), &[GH_SECRET], b"Hello, World!", &h, TOL, 0), 0);
    // The legacy SHA-1 header alone is not accepted (no downgrade).
    let h = hdrs(&[("x-hub-signature", "sha1=0000000000000000000000000000000000000000")]);
    assert_reason(
        verify(&p("github"), &[GH_SECRET], b"x", &h, TOL, 0),
        Reason::MissingHeader("x-hub-signature-256".into()),
    );
}

fn signed(provider: &Provider, secret: &str, body: &[u8], id: &str, ts: i64) -> Headers {
    Headers::from_pairs(sign(provider, secret, body, id, ts).unwrap())
}

#[test]
fn old_and_future_timestamps() {
    let now = 1_700_000_000;
    for prov in [p("stripe"), p("standard"), p("slack"), odoo(), hmac_full()] {
        let secret = if prov == p("standard") { "whsec_c2VjcmV0" } else { "secret" };
        for (ts, expected) in [
            (now, None),
            (now - TOL, None),
            (now + TOL, None),
            (now - TOL - 1, Some(Reason::TimestampTooOld)),
            (now + TOL + 1, Some(Reason::TimestampInFuture)),
            (0, Some(Reason::TimestampTooOld)),
        ] {
            let h = signed(&prov, secret, b"{}", "msg_1", ts);
            let v = verify(&prov, &[secret], b"{}", &h, TOL, now);
            assert_eq!(reason(&v), expected.as_ref(), "{} ts={ts}", prov.name());
        }
    }
    // A stale timestamp with a forged signature is reported as a forgery.
    let h = hdrs(&[("stripe-signature", "t=1,v1=00")]);
    assert_reason(verify(&p("stripe"), &["s"], b"{}", &h, TOL, now), Reason::NoMatchingSignature);
    // Replacing the timestamp of a genuine delivery breaks the signature.
    let h = signed(&p("slack"), "s", b"{}", "", now - 10_000);
    let h = hdrs(&[
        ("x-slack-signature", h.get("x-slack-signature").unwrap()),
        ("x-slack-request-timestamp", "1700000000"),
    ]);
    assert_reason(verify(&p("slack"), &["s"], b"{}", &h, TOL, now), Reason::NoMatchingSignature);
}

#[test]
fn rotation_stripe_several_v1_and_secrets() {
    let body = b"{}";
    let ts = 1_700_000_000;
    let sig_of = |secret: &str| {
        let v = sign(&p("stripe"), secret, body, "", ts).unwrap().remove(0).1;
        v.split_once(",v1=").unwrap().1.to_string()
    };
    let header = format!("t={ts},v1={},v0={},v1={}", sig_of("old"), sig_of("old"), sig_of("new"));
    let h = hdrs(&[("stripe-signature", &header)]);
    assert_valid(verify(&p("stripe"), &["new"], body, &h, TOL, ts), 0);
    assert_valid(verify(&p("stripe"), &["old"], body, &h, TOL, ts), 0);
    assert_valid(verify(&p("stripe"), &["other", "", "new"], body, &h, TOL, ts), 2);
    assert_reason(verify(&p("stripe"), &["other"], body, &h, TOL, ts), Reason::NoMatchingSignature);
}

#[test]
fn rotation_standard_several_v1_and_secrets() {
    let (old, new) = ("whsec_b2xkLXNlY3JldA==", "whsec_bmV3LXNlY3JldA==");
    let sig = |s: &str| {
        signed(&p("standard"), s, b"{}", "msg_1", 1000).get("webhook-signature").unwrap().to_string()
    };
    let list = format!("v1a,AAAA {} v2,zzz {}", sig(old), sig(new));
    let h = hdrs(&[("webhook-id", "msg_1"), ("webhook-timestamp", "1000"), ("webhook-signature", &list)]);
    assert_valid(verify(&p("standard"), &[new], b"{}", &h, TOL, 1000), 0);
    assert_valid(verify(&p("standard"), &[old], b"{}", &h, TOL, 1000), 0);
    assert_valid(verify(&p("standard"), &["whsec_b3RoZXI=", new], b"{}", &h, TOL, 1000), 1);
    // A broken key left in the rotation list does not break the good one...
    assert_valid(verify(&p("standard"), &["whsec_not base64!", new], b"{}", &h, TOL, 1000), 1);
    // ...but is reported when nothing matched.
    assert_reason(
        verify(&p("standard"), &["whsec_not base64!", "whsec_b3RoZXI="], b"{}", &h, TOL, 1000),
        Reason::InvalidSecret("standard webhook secret is not valid base64".into()),
    );
    assert_reason(
        verify(&p("standard"), &["whsec_b3RoZXI="], b"{}", &h, TOL, 1000),
        Reason::NoMatchingSignature,
    );
    // Only other versions present: treated like a forgery.
    let h = hdrs(&[
        ("webhook-id", "msg_1"),
        ("webhook-timestamp", "1000"),
        ("webhook-signature", "v1a,AAAA v2,AAAA"),
    ]);
    assert_reason(verify(&p("standard"), &[new], b"{}", &h, TOL, 1000), Reason::NoMatchingSignature);
}

#[test]
fn stripe_v0_only_is_no_matching_signature() {
    // v0 computed with the right secret: it must still be refused.
    let v1 = sign(&p("stripe"), "s", b"{}", "", 1000).unwrap().remove(0).1;
    let v0 = v1.replace("v1=", "v0=");
    let h = hdrs(&[("stripe-signature", &v0)]);
    assert_reason(verify(&p("stripe"), &["s"], b"{}", &h, TOL, 1000), Reason::NoMatchingSignature);
    let h = hdrs(&[("stripe-signature", "t=1000,v2=abcd,scheme=x")]);
    assert_reason(verify(&p("stripe"), &["s"], b"{}", &h, TOL, 1000), Reason::NoMatchingSignature);
}

#[test]
fn secrets_missing_or_empty() {
    let h = github_headers(GH_SIG);
    assert_reason(verify(&p("github"), &[], b"Hello, World!", &h, TOL, 0), Reason::NoSecrets);
    assert_reason(verify(&p("github"), &["", ""], b"Hello, World!", &h, TOL, 0), Reason::NoSecrets);
    assert_valid(verify(&p("github"), &["", GH_SECRET], b"Hello, World!", &h, TOL, 0), 1);
    // An empty key must not verify a signature made with an empty key.
    let forged =
        format!("sha256={}", hex::encode(super::providers::hmac_parts(Algorithm::Sha256, b"", &[b"x"])));
    assert_reason(verify(&p("github"), &[""], b"x", &github_headers(&forged), TOL, 0), Reason::NoSecrets);
    assert_reason(
        verify(
            &p("standard"),
            &["whsec_"],
            b"{}",
            &hdrs(&[("webhook-id", "a"), ("webhook-timestamp", "0"), ("webhook-signature", "v1,AAAA")]),
            TOL,
            0,
        ),
        Reason::InvalidSecret("standard webhook secret is not valid base64".into()),
    );
}

#[test]
fn non_utf8_body() {
    let body: &[u8] = &[0xff, 0xfe, 0x00, 0xc3, 0x28, b'{'];
    for prov in all_providers() {
        let secret = secret_for(&prov);
        let h = signed(&prov, secret, body, "msg_1", 1000);
        assert_valid(verify(&prov, &[secret], body, &h, TOL, 1000), 0);
        assert!(!verify(&prov, &[secret], &body[..5], &h, TOL, 1000).valid);
        assert!(
            delivery_id(&prov, &h, body).starts_with("sha256:") || delivery_id(&prov, &h, body) == "msg_1"
        );
        assert_eq!(event_type(&prov, &Headers::default(), body), None);
    }
}

#[test]
fn ten_megabyte_body() {
    let mut body = vec![b'a'; 10 * 1024 * 1024];
    for prov in [p("github"), p("standard")] {
        let secret = secret_for(&prov);
        let h = signed(&prov, secret, &body, "msg_big", 1000);
        assert_valid(verify(&prov, &[secret], &body, &h, TOL, 1000), 0);
        let last = body.len() - 1;
        body[last] ^= 1;
        assert_reason(verify(&prov, &[secret], &body, &h, TOL, 1000), Reason::NoMatchingSignature);
        body[last] ^= 1;
    }
}

#[test]
fn malformed_headers() {
    let now = 1_700_000_000;
    let stripe = |v: &str| verify(&p("stripe"), &["s"], b"{}", &hdrs(&[("stripe-signature", v)]), TOL, now);
    for (value, what) in [
        ("garbage", "stripe-signature: element without '='"),
        ("t=1700000000,v1", "stripe-signature: element without '='"),
        ("v1=abcd", "stripe-signature: missing t"),
        ("t=,v1=abcd", "stripe-signature: t is not a valid unix timestamp"),
        ("t=-1700000000,v1=abcd", "stripe-signature: t is not a valid unix timestamp"),
        ("t=99999999999999999999999,v1=abcd", "stripe-signature: t is not a valid unix timestamp"),
        ("t=1700000000.5,v1=abcd", "stripe-signature: t is not a valid unix timestamp"),
        ("t=1700000000,t=1700000000,v1=abcd", "stripe-signature: duplicate t"),
        ("t=1700000000,v1=not-hex", "stripe-signature: v1 signature is not hex"),
    ] {
        assert_reason(stripe(value), Reason::MalformedHeader(what.into()));
    }
    assert_reason(
        verify(&p("stripe"), &["s"], b"{}", &Headers::default(), TOL, now),
        Reason::MissingHeader("stripe-signature".into()),
    );

    let std = |id: &str, ts: &str, sig: &str| {
        let h = hdrs(&[("webhook-id", id), ("webhook-timestamp", ts), ("webhook-signature", sig)]);
        verify(&p("standard"), &["whsec_c2VjcmV0"], b"{}", &h, TOL, now)
    };
    assert_reason(std("", "1", "v1,AAAA"), Reason::MissingHeader("webhook-id".into()));
    assert_reason(std("m", "", "v1,AAAA"), Reason::MissingHeader("webhook-timestamp".into()));
    assert_reason(std("m", "1", ""), Reason::MissingHeader("webhook-signature".into()));
    for ts in ["-1", "1e9", "abc", "18446744073709551616", " 1 2"] {
        assert_reason(
            std("m", ts, "v1,AAAA"),
            Reason::MalformedHeader("webhook-timestamp: not a valid unix timestamp".into()),
        );
    }
    assert_reason(
        std("m", "1", "v1,not*base64"),
        Reason::MalformedHeader("webhook-signature: v1 signature is not valid base64".into()),
    );
    assert_reason(std("m", "1", "garbage"), Reason::NoMatchingSignature);
    let svix = hdrs(&[("svix-id", "m"), ("svix-timestamp", "x"), ("svix-signature", "v1,AAAA")]);
    assert_reason(
        verify(&p("standard"), &["whsec_c2VjcmV0"], b"{}", &svix, TOL, now),
        Reason::MalformedHeader("svix-timestamp: not a valid unix timestamp".into()),
    );

    let slack = |sig: &str, ts: &str| {
        let h = hdrs(&[("x-slack-signature", sig), ("x-slack-request-timestamp", ts)]);
        verify(&p("slack"), &["s"], b"{}", &h, TOL, now)
    };
    assert_reason(
        slack("abcd", "1"),
        Reason::MalformedHeader("x-slack-signature: missing v0= prefix".into()),
    );
    assert_reason(
        slack("v0=xyz", "1"),
        Reason::MalformedHeader("x-slack-signature: signature is not hex".into()),
    );
    assert_reason(slack("v0=abcd", ""), Reason::MissingHeader("x-slack-request-timestamp".into()));
    assert_reason(
        slack("v0=abcd", "-5"),
        Reason::MalformedHeader("x-slack-request-timestamp: not a valid unix timestamp".into()),
    );
    assert_reason(
        slack("v0=abcd", "9223372036854775808"),
        Reason::MalformedHeader("x-slack-request-timestamp: not a valid unix timestamp".into()),
    );
    // i64::MAX parses, and is simply far in the future if the signature were right.
    assert_reason(slack("v0=abcd", "9223372036854775807"), Reason::NoMatchingSignature);

    let shopify =
        |sig: &str| verify(&p("shopify"), &["s"], b"{}", &hdrs(&[("x-shopify-hmac-sha256", sig)]), TOL, now);
    assert_reason(
        shopify("%%%"),
        Reason::MalformedHeader("x-shopify-hmac-sha256: signature is not valid base64".into()),
    );
    assert_reason(shopify("AAAA"), Reason::NoMatchingSignature);

    let h = hdrs(&[("x-ipai-signature", "zz"), ("x-ipai-timestamp", "1")]);
    assert_reason(
        verify(&odoo(), &["s"], b"{}", &h, TOL, now),
        Reason::MalformedHeader("x-ipai-signature: signature is not correctly encoded".into()),
    );
    let h = hdrs(&[("x-sig", "AAAA"), ("x-ts", "1"), ("x-id", "i")]);
    assert_reason(
        verify(&hmac_full(), &["s"], b"{}", &h, TOL, now),
        Reason::MalformedHeader("x-sig: missing configured prefix".into()),
    );
    let h = hdrs(&[("x-sig", "sha512=AAAA"), ("x-ts", "1")]);
    assert_reason(verify(&hmac_full(), &["s"], b"{}", &h, TOL, now), Reason::MissingHeader("x-id".into()));
}

#[test]
fn reasons_never_leak_secrets_or_signatures() {
    let secret = "whsec_c3VwZXJzZWNyZXRrZXk=";
    let now = 1_700_000_000;
    for prov in all_providers() {
        let secret = if prov == p("standard") { secret } else { "super-secret-key" };
        let good = sign(&prov, secret, b"{}", "msg_1", now).unwrap();
        let expected: Vec<String> = good.iter().map(|(_, v)| v.clone()).collect();
        // Several failure modes, each with headers derived from the real ones.
        let genuine = || Headers::from_pairs(good.clone());
        let mut attempts = vec![
            verify(&prov, &[secret], b"tampered", &genuine(), TOL, now),
            verify(&prov, &["wrong"], b"{}", &genuine(), TOL, now),
        ];
        if prov.uses_timestamp() {
            attempts.push(verify(&prov, &[secret], b"{}", &genuine(), TOL, now + 10_000));
        }
        let garbled: Vec<(String, String)> =
            good.iter().map(|(k, v)| (k.clone(), format!("{v}~!"))).collect();
        attempts.push(verify(&prov, &[secret], b"{}", &Headers::from_pairs(garbled), TOL, now));
        for v in attempts {
            let r = reason(&v).expect("must fail");
            let text = format!("{} {:?}", r.message(), r);
            assert!(!text.contains("secret-key") && !text.contains("c3VwZXJzZWNyZXRrZXk"), "{text}");
            for e in &expected {
                if e.len() > 12 {
                    assert!(!text.contains(e.as_str()), "{text}");
                }
            }
            assert!(!text.contains("~!"), "header values must not be echoed: {text}");
        }
    }
}

fn all_providers() -> Vec<Provider> {
    vec![p("github"), p("stripe"), p("standard"), p("shopify"), p("slack"), odoo(), hmac_full(), p("hmac")]
}

fn secret_for(prov: &Provider) -> &'static str {
    if *prov == Provider::Standard {
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    } else {
        "a-shared-secret"
    }
}

#[test]
fn sign_round_trips_for_every_provider() {
    let body = br#"{"id":"evt_123","type":"thing.happened","event":"x"}"#;
    for prov in all_providers() {
        let secret = secret_for(&prov);
        let out = sign(&prov, secret, body, "msg_42", 1_700_000_000).unwrap();
        assert!(out.iter().all(|(k, _)| *k == k.to_ascii_lowercase()));
        let h = Headers::from_pairs(out);
        assert_valid(verify(&prov, &["unrelated", secret], body, &h, TOL, 1_700_000_100), 1);
        assert!(!verify(&prov, &["unrelated"], body, &h, TOL, 1_700_000_100).valid);
        let id = delivery_id(&prov, &h, body);
        match prov {
            Provider::Stripe => assert_eq!(id, "evt_123"),
            Provider::Github | Provider::Standard | Provider::Shopify => assert_eq!(id, "msg_42"),
            Provider::Hmac(ref o) if o.id_header().is_some() => assert_eq!(id, "msg_42"),
            _ => assert!(id.starts_with("sha256:")),
        }
    }
}

// --------------------------------------------------------------- proptest

// Generators are built from byte vectors rather than regexes or
// `any::<String>()`: those cost ~100µs per value in debug builds, which would
// blow the time budget at 25k cases per property.

/// A header value: near-valid (`near`), a soup of grammar fragments, lossy
/// UTF-8 from arbitrary bytes, or arbitrary Unicode scalars.
fn header_like(near: BoxedStrategy<String>, fragments: &'static [&'static str]) -> BoxedStrategy<String> {
    prop_oneof![
        3 => near,
        2 => soup(fragments),
        1 => proptest::collection::vec(any::<u8>(), 0..80)
            .prop_map(|b| String::from_utf8_lossy(&b).into_owned()),
        1 => proptest::collection::vec(any::<u32>(), 0..24)
            .prop_map(|v| v.into_iter().filter_map(|u| char::from_u32(u % 0x11_0000)).collect()),
    ]
    .boxed()
}

/// Concatenation of random fragments of a header grammar.
fn soup(fragments: &'static [&'static str]) -> BoxedStrategy<String> {
    proptest::collection::vec(any::<u8>(), 0..48)
        .prop_map(move |picks| picks.iter().map(|&i| fragments[i as usize % fragments.len()]).collect())
        .boxed()
}

const HEX_FRAGMENTS: &[&str] =
    &["0", "1", "7", "9", "a", "c", "f", "A", "F", "g", "=", ",", " ", "-", "v0=", "v1=", "t=", "sha256="];
const B64_FRAGMENTS: &[&str] =
    &["A", "Q", "z", "9", "+", "/", "=", "==", ",", " ", "v1,", "v1a,", "v2,", "-", "_", "\t"];
const TS_FRAGMENTS: &[&str] =
    &["0", "1", "5", "9", "-", "+", " ", ".", "e", "x", "9223372036854775807", "00"];

fn hex_sig(max: usize) -> impl Strategy<Value = String> {
    proptest::collection::vec(any::<u8>(), 0..max).prop_map(hex::encode)
}

fn b64_sig(max: usize) -> impl Strategy<Value = String> {
    proptest::collection::vec(any::<u8>(), 0..max).prop_map(|b| super::headers::encode_base64(&b))
}

/// Timestamps around now, anywhere in i64, and beyond i64 (as text).
fn ts_text() -> BoxedStrategy<String> {
    prop_oneof![
        (NOW - 1000..NOW + 1000).prop_map(|t| t.to_string()),
        any::<i64>().prop_map(|t| t.to_string()),
        any::<u128>().prop_map(|t| t.to_string()),
    ]
    .boxed()
}

fn stripe_near() -> BoxedStrategy<String> {
    (ts_text(), proptest::collection::vec((0u8..3, hex_sig(40)), 0..4))
        .prop_map(|(t, sigs)| {
            let mut out = format!("t={t}");
            for (scheme, sig) in sigs {
                out.push_str(&format!(",v{scheme}={sig}"));
            }
            out
        })
        .boxed()
}

fn standard_sig_near() -> BoxedStrategy<String> {
    proptest::collection::vec((any::<bool>(), b64_sig(40)), 0..4)
        .prop_map(|sigs| {
            let entries: Vec<String> =
                sigs.into_iter().map(|(v1a, s)| format!("{},{s}", if v1a { "v1a" } else { "v1" })).collect();
            entries.join(" ")
        })
        .boxed()
}

fn small_body() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(any::<u8>(), 0..64)
}

fn provider_strategy() -> impl Strategy<Value = Provider> {
    proptest::sample::select(all_providers())
}

/// Decode the signature inside a signed header value, returning (prefix,
/// bytes, is_base64) so a test can mutate the *signature bytes* and re-encode.
fn split_signature(prov: &Provider, headers: &[(String, String)]) -> (String, String, Vec<u8>, bool) {
    let (name, prefix_end, b64) = match prov {
        Provider::Github => ("x-hub-signature-256", None, false),
        Provider::Stripe => ("stripe-signature", Some("v1="), false),
        Provider::Standard => ("webhook-signature", Some("v1,"), true),
        Provider::Shopify => ("x-shopify-hmac-sha256", None, true),
        Provider::Slack => ("x-slack-signature", Some("v0="), false),
        Provider::Hmac(o) => (o.signature_header(), None, o.encoding() == Encoding::Base64),
    };
    let value = &headers.iter().find(|(k, _)| k == name).unwrap().1;
    let cut = match (prov, prefix_end) {
        (Provider::Github, _) => "sha256=".len(),
        (Provider::Hmac(o), _) => o.prefix().len(),
        (_, Some(marker)) => value.find(marker).unwrap() + marker.len(),
        _ => 0,
    };
    let enc = &value[cut..];
    let bytes = if b64 { super::headers::decode_base64(enc).unwrap() } else { hex::decode(enc).unwrap() };
    (name.to_string(), value[..cut].to_string(), bytes, b64)
}

fn replace_header(headers: &[(String, String)], name: &str, value: String) -> Headers {
    Headers::from_pairs(
        headers.iter().map(|(k, v)| (k.clone(), if k == name { value.clone() } else { v.clone() })),
    )
}

const NOW: i64 = 1_700_000_000;

/// Message ids from the characters real providers use (no regex: see above).
fn msg_id() -> impl Strategy<Value = String> {
    const ALPHABET: &[u8] = b"ABCXYZabcxyz0189_.:-";
    proptest::collection::vec(any::<u8>(), 1..40)
        .prop_map(|v| v.iter().map(|&b| char::from(ALPHABET[b as usize % ALPHABET.len()])).collect())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(25_000))]

    /// Arbitrary `Stripe-Signature` values never panic and never verify.
    #[test]
    fn prop_stripe_header_arbitrary(
        value in header_like(stripe_near(), HEX_FRAGMENTS),
        body in small_body(),
    ) {
        let v = verify(&p("stripe"), &["whsec_a", "whsec_b"], &body, &hdrs(&[("stripe-signature", &value)]), TOL, NOW);
        prop_assert!(!v.valid);
        let _ = reason(&v);
    }

    /// Arbitrary Standard Webhooks id/timestamp/signature values never panic and never verify.
    #[test]
    fn prop_standard_headers_arbitrary(
        id in header_like(Just("msg_p5jXN8AQM9LWM0D4loKWxJek".to_string()).boxed(), B64_FRAGMENTS),
        ts in header_like(ts_text(), TS_FRAGMENTS),
        sig in header_like(standard_sig_near(), B64_FRAGMENTS),
        body in small_body(),
    ) {
        let h = hdrs(&[("webhook-id", &id), ("webhook-timestamp", &ts), ("webhook-signature", &sig)]);
        let v = verify(&p("standard"), &["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"], &body, &h, TOL, NOW);
        prop_assert!(!v.valid);
        let _ = reason(&v);
    }

    /// Arbitrary Slack signature/timestamp values never panic and never verify.
    #[test]
    fn prop_slack_headers_arbitrary(
        sig in header_like(hex_sig(40).prop_map(|h| format!("v0={h}")).boxed(), HEX_FRAGMENTS),
        ts in header_like(ts_text(), TS_FRAGMENTS),
        body in small_body(),
    ) {
        let h = hdrs(&[("x-slack-signature", &sig), ("x-slack-request-timestamp", &ts)]);
        let v = verify(&p("slack"), &["s"], &body, &h, TOL, NOW);
        prop_assert!(!v.valid);
        let _ = reason(&v);
    }

    /// The timestamp parser accepts exactly the non-empty all-digit strings
    /// that fit in i64; every other timestamp header is `malformed_header`.
    #[test]
    fn prop_timestamp_parser(s in header_like(ts_text(), TS_FRAGMENTS)) {
        let reference = if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) { s.parse::<i64>().ok() } else { None };
        prop_assert_eq!(parse_timestamp(&s), reference);
        let h = hdrs(&[("x-ipai-signature", "00"), ("x-ipai-timestamp", &s)]);
        let v = verify(&odoo(), &["k"], b"{}", &h, TOL, NOW);
        prop_assert!(!v.valid);
        let trimmed = s.trim_matches(|c| c == ' ' || c == '\t');
        if !trimmed.is_empty() && parse_timestamp(trimmed).is_none() {
            prop_assert_eq!(reason(&v).map(Reason::code), Some("malformed_header"));
        }
    }

}

proptest! {
    // Each case here signs and verifies several times, so fewer cases.
    #![proptest_config(ProptestConfig::with_cases(10_000))]

    /// Flipping any bit of a genuine signature, or truncating the header
    /// value anywhere, never verifies; nor does flipping any body byte.
    #[test]
    fn prop_mutated_signature_never_verifies(
        prov in provider_strategy(),
        body in small_body(),
        pos in any::<prop::sample::Index>(),
        bit in 0u8..8,
        cut in any::<prop::sample::Index>(),
    ) {
        let secret = secret_for(&prov);
        let out = sign(&prov, secret, &body, "msg_1", NOW).unwrap();
        let genuine = Headers::from_pairs(out.clone());
        prop_assert!(verify(&prov, &[secret], &body, &genuine, TOL, NOW).valid);

        let (name, prefix, mut bytes, b64) = split_signature(&prov, &out);
        let i = pos.index(bytes.len());
        bytes[i] ^= 1 << bit;
        let enc = if b64 { super::headers::encode_base64(&bytes) } else { hex::encode(&bytes) };
        let h = replace_header(&out, &name, format!("{prefix}{enc}"));
        prop_assert!(!verify(&prov, &[secret], &body, &h, TOL, NOW).valid);

        let full = &out.iter().find(|(k, _)| *k == name).unwrap().1;
        let mut n = cut.index(full.len());
        while !full.is_char_boundary(n) { n -= 1; }
        let h = replace_header(&out, &name, full[..n].to_string());
        prop_assert!(!verify(&prov, &[secret], &body, &h, TOL, NOW).valid);

        if !body.is_empty() {
            let mut tampered = body.clone();
            let j = pos.index(tampered.len());
            tampered[j] ^= 1 << bit;
            prop_assert!(!verify(&prov, &[secret], &tampered, &genuine, TOL, NOW).valid);
        }
    }

    /// sign → verify round-trips for arbitrary bodies, ids and timestamps,
    /// and the signed id/timestamp cannot be swapped for another.
    #[test]
    fn prop_sign_verify_roundtrip(
        prov in provider_strategy(),
        body in small_body(),
        id in msg_id(),
        ts in 0i64..=4_000_000_000,
    ) {
        let secret = secret_for(&prov);
        let out = sign(&prov, secret, &body, &id, ts).unwrap();
        let h = Headers::from_pairs(out.clone());
        let v = verify(&prov, &["nope", secret], &body, &h, TOL, ts);
        prop_assert_eq!(v, Verification { valid: true, reason: None, matched_secret: Some(1) });
        if prov.uses_timestamp() {
            let far = verify(&prov, &[secret], &body, &h, TOL, ts + TOL + 1);
            prop_assert_eq!(far.reason, Some(Reason::TimestampTooOld));
        }
        if prov == Provider::Standard {
            let other_id = replace_header(&out, "webhook-id", format!("{id}x"));
            prop_assert!(!verify(&prov, &[secret], &body, &other_id, TOL, ts).valid);
        }
    }
}
