//! Credentials from the console's key file (JSON or CSV) and from `BLUBRACKET_HOST` / `BLUBRACKET_INTEGRATION_KEY`:
//! tenant selection, token derivation and checks, and clear errors that never show a key or a token.

use blubracket_client::key_file::derive_token;
use blubracket_client::{ClientConfig, CredentialsError, KeyFile, TenantCredentials};
use integration_tests::blubracket::TempDir;
use serde_json::json;

const ID: &str = "BLU-a492144b-f118-4598-991e-f1d4d6209edf";
const KEY: &str = "TofsB-test-secret-EqwGg";
const ID_B: &str = "BLU-0b6d2f71-6c1e-4f0e-a3f5-2d8c9e7b1a44";
const KEY_B: &str = "Zq9xW-other-secret-Lm2";

fn token() -> String {
    derive_token(ID, KEY)
}

/// Panics when an error's message or `Debug` shows a key or a token.
fn assert_no_secret(error: &CredentialsError) {
    let shown = format!("{error} / {error:?}");
    for secret in [KEY, KEY_B, &token(), &derive_token(ID_B, KEY_B)] {
        assert!(!shown.contains(secret), "the error shows a secret: {shown}");
    }
}

fn json_file(entries: serde_json::Value) -> String {
    json!({"api_keys": entries}).to_string()
}

#[test]
fn a_json_key_file_with_one_tenant_loads() {
    let dir = TempDir::new();
    let path = dir.write(
        "keys.json",
        json_file(
            json!({"https://mycompany.blubracket.com": {"id": ID, "key": KEY, "token": token()}}),
        ),
    );
    let keys = KeyFile::load(&path).expect("a valid key file");
    let tenant = keys.single().expect("one tenant");
    assert_eq!(tenant.tenant_url(), "https://mycompany.blubracket.com");
    assert_eq!(tenant.key_id(), Some(ID));
    assert_eq!(tenant.credential().expose(), token());
    assert!(tenant.credential().expose().starts_with("QkxVL"));
    let shown = format!("{keys:?}");
    assert!(!shown.contains(KEY) && !shown.contains(&token()), "{shown}");
}

#[test]
fn a_missing_token_is_derived_from_id_and_key() {
    let keys = KeyFile::parse(&json_file(
        json!({"https://mycompany.blubracket.com": {"id": ID, "key": KEY}}),
    ))
    .expect("token derived");
    let tenant = keys.single().expect("one tenant");
    assert_eq!(tenant.credential().expose(), token());
    // base64 of `<id>:<key>`, as the vendor describes it: `BLU-` encodes to `QkxVL`.
    assert_eq!(
        token(),
        "QkxVLWE0OTIxNDRiLWYxMTgtNDU5OC05OTFlLWYxZDRkNjIwOWVkZjpUb2ZzQi10ZXN0LXNlY3JldC1FcXdHZw=="
    );
}

#[test]
fn a_token_that_disagrees_with_id_and_key_is_refused() {
    let wrong = derive_token(ID, "some-other-key");
    let error = KeyFile::parse(&json_file(
        json!({"https://mycompany.blubracket.com": {"id": ID, "key": KEY, "token": wrong}}),
    ))
    .expect_err("mismatched token");
    assert!(
        matches!(&error, CredentialsError::TokenMismatch { key_id, .. } if key_id == ID),
        "{error:?}"
    );
    assert!(!error.to_string().contains(&wrong), "{error}");
    assert_no_secret(&error);
}

#[test]
fn several_tenants_need_a_choice_and_urls_are_normalised() {
    let text = json_file(json!({
        "https://alpha.blubracket.com": {"id": ID, "key": KEY},
        "https://Beta.BluBracket.com/": {"id": ID_B, "key": KEY_B}
    }));
    let keys = KeyFile::parse(&text).expect("two tenants");
    assert_eq!(keys.tenants().len(), 2);
    let error = keys.single().expect_err("two tenants, none chosen");
    match &error {
        CredentialsError::SeveralTenants { tenants } => assert_eq!(
            tenants,
            &[
                "https://alpha.blubracket.com".to_string(),
                "https://beta.blubracket.com".to_string()
            ]
        ),
        other => panic!("expected SeveralTenants, got {other:?}"),
    }
    assert_no_secret(&error);
    // Case of the host and a trailing slash do not matter, on either side; a bare host gets https.
    for wanted in [
        "https://beta.blubracket.com",
        "https://BETA.blubracket.com/",
        "beta.blubracket.com",
    ] {
        let tenant = keys.tenant(wanted).expect("found after normalising");
        assert_eq!(tenant.key_id(), Some(ID_B), "{wanted}");
        assert_eq!(tenant.credential().expose(), derive_token(ID_B, KEY_B));
    }
    let error = keys
        .select(Some("https://gamma.blubracket.com"))
        .expect_err("not in the file");
    assert!(
        matches!(&error, CredentialsError::TenantNotFound { wanted, available }
            if wanted == "https://gamma.blubracket.com" && available.len() == 2),
        "{error:?}"
    );
    assert_no_secret(&error);
}

#[test]
fn from_key_file_picks_the_tenant_or_refuses_to_guess() {
    let dir = TempDir::new();
    let path = dir.write(
        "keys.json",
        json_file(json!({
            "https://alpha.blubracket.com": {"id": ID, "key": KEY},
            "https://beta.blubracket.com": {"id": ID_B, "key": KEY_B}
        })),
    );
    let error = ClientConfig::from_key_file(&path, None).expect_err("two tenants");
    assert!(
        matches!(error, CredentialsError::SeveralTenants { .. }),
        "{error:?}"
    );
    let client = ClientConfig::from_key_file(&path, Some("https://alpha.blubracket.com"))
        .expect("alpha")
        .build()
        .expect("client");
    use blubracket_client::ClientInfo as _;
    assert_eq!(client.baseurl(), "https://alpha.blubracket.com");
}

#[tokio::test]
async fn the_token_from_the_key_file_is_what_the_client_sends() {
    let server = httpmock::MockServer::start();
    let dir = TempDir::new();
    // A loopback tenant (plain http is allowed on loopback only).
    let path = dir.write(
        "keys.json",
        json_file(json!({ server.base_url(): {"id": ID, "key": KEY, "token": token()} })),
    );
    let mock = server.mock(|when, then| {
        when.method("DELETE")
            .path("/api/public/blubracket-ignore")
            .header("authorization", format!("Bearer {}", token()));
        then.status(204);
    });
    let client = ClientConfig::from_key_file(&path, None)
        .expect("key file")
        .build()
        .expect("client");
    client
        .delete_ignore_rules()
        .send()
        .await
        .expect("authorized");
    mock.assert();
}

#[test]
fn a_csv_key_file_loads_with_the_documented_columns() {
    let csv = format!(
        "tenant,id,key,token\nhttps://mycompany.blubracket.com,{ID},{KEY},{}\n",
        token()
    );
    let keys = KeyFile::parse(&csv).expect("csv");
    let tenant = keys.single().expect("one tenant");
    assert_eq!(tenant.tenant_url(), "https://mycompany.blubracket.com");
    assert_eq!(tenant.credential().expose(), token());
}

#[test]
fn a_csv_key_file_accepts_other_column_names_order_and_several_rows() {
    let dir = TempDir::new();
    let csv = format!(
        "\u{feff}Key ID , Secret, URL\n{ID},{KEY},https://alpha.blubracket.com/\n\n\"{ID_B}\",\"{KEY_B}\",beta.blubracket.com\n"
    );
    let path = dir.write("keys.csv", csv);
    let keys = KeyFile::load(&path).expect("csv with other names");
    let urls: Vec<&str> = keys.tenants().iter().map(|t| t.tenant_url()).collect();
    assert_eq!(
        urls,
        [
            "https://alpha.blubracket.com",
            "https://beta.blubracket.com"
        ]
    );
    assert_eq!(
        keys.tenant("https://beta.blubracket.com")
            .expect("beta")
            .credential()
            .expose(),
        derive_token(ID_B, KEY_B)
    );
    let row = |values: &[&str]| values.join(",");
    let tenant = "https://x.blubracket.com";
    let token = token();
    for (text, missing) in [
        (
            format!("host,key_id,secret\n{}", row(&[tenant, ID, KEY])),
            None,
        ),
        (
            format!(
                "tenant_url,api_key_id,api_key,api_token\n{}",
                row(&[tenant, ID, KEY, &token])
            ),
            None,
        ),
        (
            format!(
                "bearer_token,key_secret,id,base_url\n{}",
                row(&[&token, KEY, ID, tenant])
            ),
            None,
        ),
        (format!("host,key_id\n{}", row(&[tenant, ID])), Some("key")),
        (
            format!("tenant,secret\n{}", row(&[tenant, KEY])),
            Some("id"),
        ),
        (
            format!("id,key,token\n{}", row(&[ID, KEY, &token])),
            Some("tenant"),
        ),
    ] {
        match (KeyFile::parse(&text), missing) {
            (Ok(keys), None) => {
                let only = keys.single().expect("one tenant");
                assert_eq!(only.tenant_url(), tenant, "{text}");
                assert_eq!(only.credential().expose(), token, "{text}");
            }
            (Err(CredentialsError::MissingColumn { field, accepted }), Some(expected)) => {
                assert_eq!(field, expected, "{text}");
                let error = CredentialsError::MissingColumn { field, accepted };
                assert!(error.to_string().contains(accepted[0]), "{error}");
            }
            (other, _) => panic!("{text}: unexpected {other:?}"),
        }
    }
}

#[test]
fn a_csv_row_without_a_value_names_the_field() {
    let error = KeyFile::parse(&format!(
        "tenant,id,key\nhttps://mycompany.blubracket.com,{ID},\n"
    ))
    .expect_err("no key");
    assert!(
        matches!(&error, CredentialsError::MissingField { field: "key", tenant } if tenant == "https://mycompany.blubracket.com"),
        "{error:?}"
    );
    let error = KeyFile::parse(&format!("tenant,id,key\n,{ID},{KEY}\n")).expect_err("no tenant");
    assert!(
        matches!(&error, CredentialsError::MissingField { field: "tenant", tenant } if tenant == "line 2"),
        "{error:?}"
    );
    assert_no_secret(&error);
}

#[test]
fn a_key_in_the_tenant_column_is_refused_by_line_and_never_shown() {
    // Found by key_file_properties (swapped headers, or a row with a cell missing and one extra): the key lands in
    // the tenant column, where it reads as a single-label host name. It used to parse (tenant URL = the key, shown
    // by `Debug`) or be quoted by the token check's error.
    for text in [
        format!("key,id,tenant\nhttps://mycompany.blubracket.com,{ID},{KEY}\n"),
        format!(
            "key,id,tenant,token\nhttps://mycompany.blubracket.com,{ID},{KEY},{}\n",
            token()
        ),
        format!("tenant,id,key\n{KEY},{ID},https://mycompany.blubracket.com\n"),
        // A misplaced quote pulls the row into the tenant cell, where it reads as a path.
        format!(
            "tenant,id,key\n\"https://mycompany.blubracket.com/,{ID},{KEY},https://mycompany.blubracket.com\",{ID},{KEY}\n"
        ),
    ] {
        let error = KeyFile::parse(&text).expect_err("the key is not a tenant");
        assert!(
            matches!(&error, CredentialsError::TenantHost { tenant } if tenant == "line 2"),
            "{error:?}"
        );
        assert!(error.to_string().contains("a full domain name"), "{error}");
        assert_no_secret(&error);
    }
    // In JSON a tenant is named by its key, so it is quoted; a single-label one is refused the same way.
    let error = KeyFile::parse(&json_file(json!({"mycompany": {"id": ID, "key": KEY}})))
        .expect_err("a single-label tenant");
    assert!(
        matches!(&error, CredentialsError::TenantHost { tenant } if tenant == "mycompany"),
        "{error:?}"
    );
}

#[test]
fn a_key_id_merged_with_the_key_is_never_shown() {
    // Found by the long run of key_file_properties: a damaged row merged the id cell with the key, and the token
    // check's error quoted `BLU-<part of the id>-<key>` as the key id (it passed an alphanumeric check).
    let merged = format!("BLU-a492144b-{KEY}");
    let text = format!(
        "tenant,id,key,token\nhttps://mycompany.blubracket.com,{merged},{KEY},{}\n",
        token()
    );
    let error = KeyFile::parse(&text).expect_err("the token is not of this id and key");
    assert!(
        matches!(&error, CredentialsError::TokenMismatch { key_id, .. } if !key_id.contains("BLU-a492144b")),
        "{error:?}"
    );
    assert_no_secret(&error);
    // Parsed without a token, the file's Debug hides the id too; a well-formed id is shown.
    let file = KeyFile::parse(&format!(
        "tenant,id,key\nhttps://mycompany.blubracket.com,{merged},{KEY}\n"
    ))
    .expect("no token to check");
    let shown = format!("{file:?}");
    assert!(!shown.contains(KEY), "{shown}");
    let file = KeyFile::parse(&format!(
        "tenant,id,key\nhttps://mycompany.blubracket.com,{ID},{KEY}\n"
    ))
    .expect("a well-formed file");
    assert!(format!("{file:?}").contains(ID));
}

#[test]
fn files_that_are_neither_json_nor_csv_are_refused() {
    for text in [
        "",
        "   \n",
        "just some notes\nabout keys\n",
        "-----BEGIN PRIVATE KEY-----\nMIIEv\n",
    ] {
        let error = KeyFile::parse(text).expect_err("not a key file");
        assert!(
            matches!(error, CredentialsError::UnknownFormat { .. }),
            "{text:?}: {error:?}"
        );
    }
    let dir = TempDir::new();
    let binary = dir.write("keys.bin", [0xff_u8, 0xfe, 0x00, 0x81, 0x7f]);
    let error = KeyFile::load(&binary).expect_err("binary");
    assert!(
        matches!(error, CredentialsError::UnknownFormat { .. }),
        "{error:?}"
    );
}

#[test]
fn broken_or_unexpected_json_is_refused_with_its_position_only() {
    let error = KeyFile::parse(&format!(
        "{{\"api_keys\": {{\"https://a.blubracket.com\": {{\"id\": \"{ID}\", \"key\": \"{KEY}\""
    ))
    .expect_err("truncated");
    assert!(
        matches!(error, CredentialsError::InvalidJson { line: 1, .. }),
        "{error:?}"
    );
    assert_no_secret(&error);

    for (text, expected) in [
        (json!({"keys": {}}), "no `api_keys`"),
        (json!({"api_keys": [KEY]}), "not an object"),
        (json!([{"id": ID, "key": KEY}]), "top level"),
    ] {
        let error = KeyFile::parse(&text.to_string()).expect_err("unexpected shape");
        assert!(
            matches!(error, CredentialsError::UnexpectedJson { .. }),
            "{error:?}"
        );
        assert!(error.to_string().contains(expected), "{error}");
        assert_no_secret(&error);
    }
    let error = KeyFile::parse(&json_file(json!({}))).expect_err("empty");
    assert!(matches!(error, CredentialsError::NoTenants), "{error:?}");
}

#[test]
fn entries_missing_a_field_name_it() {
    for (entry, field) in [
        (json!({"key": KEY, "token": token()}), "id"),
        (json!({"id": ID, "token": token()}), "key"),
        (json!({"id": ID, "key": ""}), "key"),
        (json!({"id": ID, "key": 12345}), "key"),
        (json!({"id": ID, "key": KEY, "token": 7}), "token"),
        (json!("a string, not an object"), "id"),
    ] {
        let error = KeyFile::parse(&json_file(json!({"https://a.blubracket.com": entry})))
            .expect_err("missing field");
        assert!(
            matches!(&error, CredentialsError::MissingField { field: f, tenant } if *f == field && tenant == "https://a.blubracket.com"),
            "{field}: {error:?}"
        );
        assert!(error.to_string().contains(field), "{error}");
        assert_no_secret(&error);
    }
}

#[test]
fn plain_http_off_loopback_is_refused() {
    let error = KeyFile::parse(&json_file(
        json!({"http://mycompany.blubracket.com": {"id": ID, "key": KEY}}),
    ))
    .expect_err("plain http");
    match &error {
        CredentialsError::TenantUrl { tenant, source } => {
            assert_eq!(tenant, "http://mycompany.blubracket.com");
            assert!(source.to_string().contains("plain http"), "{source}");
        }
        other => panic!("expected TenantUrl, got {other:?}"),
    }
    assert_no_secret(&error);
    // Loopback may use http (tests, local proxies).
    assert!(
        KeyFile::parse(&json_file(
            json!({"http://127.0.0.1:8080": {"id": ID, "key": KEY}})
        ))
        .is_ok()
    );
}

#[test]
fn two_entries_for_one_tenant_are_refused() {
    let error = KeyFile::parse(&json_file(json!({
        "https://a.blubracket.com": {"id": ID, "key": KEY},
        "https://A.blubracket.com/": {"id": ID_B, "key": KEY_B}
    })))
    .expect_err("duplicate");
    assert!(
        matches!(&error, CredentialsError::DuplicateTenant { tenant } if tenant == "https://a.blubracket.com"),
        "{error:?}"
    );
}

#[test]
fn unreadable_files_name_the_path() {
    let dir = TempDir::new();
    let missing = dir.path().join("nope.json");
    let error = KeyFile::load(&missing).expect_err("missing");
    assert!(
        matches!(&error, CredentialsError::Read { path, .. } if path == &missing),
        "{error:?}"
    );
    assert!(error.to_string().contains("nope.json"), "{error}");
    let error = KeyFile::load(dir.path()).expect_err("a directory");
    assert!(matches!(error, CredentialsError::Read { .. }), "{error:?}");
}

#[test]
fn environment_values_give_credentials_or_name_the_missing_variable() {
    let tenant = TenantCredentials::from_env_values(
        Some("https://mycompany.blubracket.com"),
        Some(&token()),
    )
    .expect("both set");
    assert_eq!(tenant.tenant_url(), "https://mycompany.blubracket.com");
    assert_eq!(tenant.credential().expose(), token());
    assert_eq!(tenant.key_id(), None);
    assert!(!format!("{tenant:?}").contains(&token()));

    for (host, key, name) in [
        (None, Some("t"), "BLUBRACKET_HOST"),
        (Some("  "), Some("t"), "BLUBRACKET_HOST"),
        (
            Some("https://a.blubracket.com"),
            None,
            "BLUBRACKET_INTEGRATION_KEY",
        ),
        (
            Some("https://a.blubracket.com"),
            Some(""),
            "BLUBRACKET_INTEGRATION_KEY",
        ),
    ] {
        let error = TenantCredentials::from_env_values(host, key).expect_err("missing");
        assert!(
            matches!(error, CredentialsError::MissingEnv { name: n } if n == name),
            "{error:?}"
        );
        assert!(error.to_string().contains(name), "{error}");
    }
    let error =
        TenantCredentials::from_env_values(Some("http://mycompany.blubracket.com"), Some(&token()))
            .expect_err("plain http");
    assert!(
        matches!(error, CredentialsError::TenantUrl { .. }),
        "{error:?}"
    );
    assert_no_secret(&error);
    let error = TenantCredentials::from_env_values(
        Some("https://a.blubracket.com"),
        Some("two words\r\nX-Evil: 1"),
    )
    .expect_err("not a header value");
    assert!(
        matches!(error, CredentialsError::InvalidToken { .. }),
        "{error:?}"
    );
    assert!(!error.to_string().contains("Evil"), "{error}");
}

#[test]
fn from_env_reads_the_vendors_variable_names() {
    // Reads the real environment without changing it: with either variable unset, the error names it.
    let host = std::env::var("BLUBRACKET_HOST").ok();
    let key = std::env::var("BLUBRACKET_INTEGRATION_KEY").ok();
    let result = ClientConfig::from_env();
    match (host, key) {
        (None, _) => assert!(
            matches!(
                result,
                Err(CredentialsError::MissingEnv {
                    name: "BLUBRACKET_HOST"
                })
            ),
            "{result:?}"
        ),
        (Some(_), None) => assert!(
            matches!(
                result,
                Err(CredentialsError::MissingEnv {
                    name: "BLUBRACKET_INTEGRATION_KEY"
                })
            ),
            "{result:?}"
        ),
        (Some(_), Some(_)) => {}
    }
}

#[test]
fn base_url_errors_are_the_runtimes() {
    // The type in `TenantUrl` is the runtime's `BaseUrlError`, the same one `ClientConfig` reports.
    fn same<T>(_: &T, _: &T) {}
    let from_file = match KeyFile::parse(&json_file(json!({"ftp://a.b": {"id": ID, "key": KEY}}))) {
        Err(CredentialsError::TenantUrl { source, .. }) => source,
        other => panic!("expected TenantUrl, got {other:?}"),
    };
    let from_config = match ClientConfig::new("ftp://a.b").token("t").build() {
        Err(blubracket_client::ConfigError::BaseUrl(source)) => source,
        other => panic!("expected BaseUrl, got {other:?}"),
    };
    same(&from_file, &from_config);
    assert_eq!(from_file, from_config);
}
