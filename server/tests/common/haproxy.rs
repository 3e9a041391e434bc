//! HAProxy (Debian's `haproxy`) as a child process with a configuration of the test's:
//! the balancer in front of server processes, or in front of PostgreSQL nodes.

use std::process::{Child, Command, Stdio};

pub struct Haproxy {
    child: Child,
    _dir: tempfile::TempDir,
}

/// `haproxy` when installed; otherwise `None` with a line saying the case is skipped,
/// unless `EZLIFT_REQUIRE_HAPROXY=1` makes that a failure.
pub fn binary(case: &str) -> Option<&'static str> {
    let found = Command::new("haproxy")
        .arg("-v")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if found {
        return Some("haproxy");
    }
    if std::env::var("EZLIFT_REQUIRE_HAPROXY").is_ok_and(|v| v == "1") {
        panic!("haproxy is required but not installed (./dev setup installs it)");
    }
    use std::io::Write;
    let _ = writeln!(
        std::io::stderr(),
        "SKIPPED: {case}, haproxy is not installed"
    );
    None
}

impl Haproxy {
    /// Starts `binary` in the foreground (`-db`) with `config`.
    pub fn start(binary: &str, config: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("haproxy.cfg");
        std::fs::write(&path, config).unwrap();
        let child = Command::new(binary)
            .args(["-db", "-f"])
            .arg(&path)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start haproxy");
        Self { child, _dir: dir }
    }
}

impl Drop for Haproxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
