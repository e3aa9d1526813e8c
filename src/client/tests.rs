//! The client's own behaviour, without a server: addresses, and what its errors tell the user.

use super::{Client, ClientError, Credential};

#[test]
fn an_address_needs_an_http_scheme_and_a_host() {
    assert!(Client::new("http://127.0.0.1:8470/").is_ok());
    assert_eq!(
        Client::new("http://127.0.0.1:8470/").unwrap().server(),
        "http://127.0.0.1:8470"
    );
    for bad in ["127.0.0.1:8470", "ftp://host", "not a url"] {
        let error = Client::new(bad).expect_err("refused");
        assert!(error.to_string().contains("http://HOST:PORT"), "{error}");
    }
}

#[tokio::test]
async fn an_unreachable_server_is_transient_and_says_to_start_it() {
    // A port nothing listens on: bound, then released.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let client = Client::new(&format!("http://127.0.0.1:{port}"))
        .unwrap()
        .with_api_key("k");

    let error = client.actions_status(1).await.expect_err("nothing answers");

    assert!(error.is_transient());
    assert!(
        error.to_string().contains("is `ward server` running"),
        "{error}"
    );
}

#[test]
fn refusals_are_not_transient_and_name_the_credential_to_check() {
    let user = ClientError::Unauthorized {
        message: "the API key is not valid".into(),
        credential: Credential::ApiKey,
    };
    let agent = ClientError::Unauthorized {
        message: "the token is not valid".into(),
        credential: Credential::AgentToken,
    };
    let overloaded = ClientError::Api {
        what: "poll".into(),
        status: 503,
        message: "busy".into(),
        hint: None,
    };

    assert!(!user.is_transient());
    assert!(user.to_string().contains("WARD_API_KEY"));
    assert!(agent.to_string().contains("enroll"));
    assert!(overloaded.is_transient());
}
