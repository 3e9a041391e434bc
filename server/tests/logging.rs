//! Passwords and tokens never reach the logs. A test binary of its own: the log capture is
//! per-thread, and sharing the process with other tests would make what it sees racy.

mod common;

use common::{TestApp, TestDb};
use serde_json::json;

const PASSWORD: &str = "squat-bench-dead";

/// Passwords and tokens never reach the logs, even at the most verbose level.
async fn secrets_are_not_logged(db: TestDb) {
    use std::sync::{Arc, Mutex};
    #[derive(Clone, Default)]
    struct Buf(Arc<Mutex<Vec<u8>>>);
    impl std::io::Write for Buf {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let buf = Buf::default();
    let writer = buf.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let app = TestApp::new(db, &[]).await;
    let (token, _) = app.sign_up("log@example.com", PASSWORD).await;
    app.post_json(
        "/api/auth/login",
        json!({ "email": "log@example.com", "password": "wrong-secret-pw" }),
        &[],
    )
    .await;
    app.get("/api/auth/me", &[("x-jwt-token", &token)]).await;
    app.get("/", &[("cookie", &format!("ezlift_session={token}"))])
        .await;

    let logs = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("signed in"), "the log is being captured");
    assert!(!logs.contains(PASSWORD));
    assert!(!logs.contains("wrong-secret-pw"));
    let signature = token.rsplit('.').next().unwrap();
    assert!(!logs.contains(signature), "token leaked into the log");
}

on_both_backends!(secrets_are_not_logged,);
