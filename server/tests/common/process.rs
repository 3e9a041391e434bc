//! The server binary as a child process on a port of its own, for tests that kill it,
//! restart it, or run several of it on one database.

use serde_json::{json, Value};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// The server binary as a child process on its own port.
pub struct ServerProcess {
    child: Child,
    pub port: u16,
    database_url: String,
    env: Vec<(String, String)>,
    site: tempfile::TempDir,
}

impl ServerProcess {
    /// Starts the server on `database_url` (sign-in limits out of the way).
    pub fn start(database_url: &str) -> Self {
        Self::start_with(database_url, &[("EZLIFT_SIGNIN_PER_ADDRESS", "100000")])
    }

    /// Starts the server on `database_url` with these variables set.
    pub fn start_with(database_url: &str, env: &[(&str, &str)]) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let site = tempfile::tempdir().unwrap();
        let env: Vec<(String, String)> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Self {
            child: spawn(database_url, port, site.path(), &env),
            port,
            database_url: database_url.to_owned(),
            env,
            site,
        }
    }

    pub fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Signs a new account up; its token.
    pub async fn sign_up(&self, email: &str) -> String {
        let signup: Value = reqwest::Client::new()
            .post(format!("{}/api/auth/signup", self.base()))
            .json(&json!({ "email": email, "password": "a long password" }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        signup["token"].as_str().unwrap().to_owned()
    }

    pub async fn wait_ready(&self) {
        let http = reqwest::Client::new();
        for _ in 0..300 {
            if let Ok(r) = http.get(format!("{}/healthz", self.base())).send().await {
                if r.status().is_success() {
                    return;
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the server did not come up");
    }

    /// SIGKILL: no shutdown, no flush, whatever was in flight is cut.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Waits for the process to end by itself.
    pub fn wait(&mut self) -> std::process::ExitStatus {
        self.child.wait().unwrap()
    }

    pub fn kill(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    pub fn restart(&mut self) {
        self.child = spawn(&self.database_url, self.port, self.site.path(), &self.env);
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn spawn(database_url: &str, port: u16, site: &std::path::Path, env: &[(String, String)]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_server"))
        .envs(env.iter().map(|(k, v)| (k, v)))
        .env("DATABASE_URL", database_url)
        .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
        .env("LEPTOS_SITE_ROOT", site)
        .env("LEPTOS_OUTPUT_NAME", "ezlift")
        .env("RUST_LOG", "error")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the server binary")
}
