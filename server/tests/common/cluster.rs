//! PostgreSQL clusters of a test's own: `initdb` in a temporary directory, on a free
//! loopback port, started and stopped with `pg_ctl` (as the `postgres` user when the tests
//! run as root, which PostgreSQL refuses). Used for standbys, so the shared server's
//! configuration is never touched.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

pub struct Cluster {
    pub port: u16,
    bin: PathBuf,
    dir: tempfile::TempDir,
}

/// Where PostgreSQL's server programs are: `EZLIFT_PG_BIN`, or the newest Debian version.
pub fn server_bin() -> Option<PathBuf> {
    if let Ok(dir) = std::env::var("EZLIFT_PG_BIN") {
        return Some(PathBuf::from(dir));
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(Result::ok)
        .filter_map(|e| {
            let v = e.file_name().to_str()?.parse().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").exists().then_some((v, bin))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin)
}

pub fn running_as_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

impl Cluster {
    /// A new primary, or `None` (with a line saying so) where PostgreSQL's server programs
    /// are not installed and the run does not require them.
    pub fn primary() -> Option<Self> {
        let Some(bin) = server_bin() else {
            let required = std::env::var("EZLIFT_REQUIRE_POSTGRES").is_ok_and(|v| v == "1");
            assert!(
                !required,
                "PostgreSQL's server programs (initdb) are required"
            );
            use std::io::Write;
            let _ = writeln!(
                std::io::stderr(),
                "SKIPPED: a case with clusters of its own, no initdb"
            );
            return None;
        };
        let cluster = Self::empty(bin);
        cluster.run(
            "initdb",
            &[
                "-D",
                &cluster.data(),
                "-U",
                "postgres",
                "--auth=trust",
                "--no-sync",
            ],
        );
        cluster.configure("wal_level = replica\nmax_wal_senders = 4\n");
        cluster.start();
        Some(cluster)
    }

    /// A streaming standby of `primary`, from its base backup, started.
    pub fn standby_of(primary: &Cluster) -> Self {
        let cluster = Self::empty(primary.bin.clone());
        cluster.run(
            "pg_basebackup",
            &[
                "-h",
                "127.0.0.1",
                "-p",
                &primary.port.to_string(),
                "-U",
                "postgres",
                "-D",
                &cluster.data(),
                "-R",
                "-X",
                "stream",
                "-c",
                "fast",
                "--no-sync",
            ],
        );
        cluster.configure("hot_standby = on\n");
        cluster.start();
        cluster
    }

    fn empty(bin: PathBuf) -> Self {
        let dir = tempfile::Builder::new()
            .prefix("ezlift-pg-")
            .tempdir()
            .expect("temp dir");
        if running_as_root() {
            let status = Command::new("chown")
                .args(["postgres:", &dir.path().display().to_string()])
                .status()
                .expect("chown");
            assert!(
                status.success(),
                "cannot give the cluster's directory to postgres"
            );
        }
        Self {
            port: super::free_port(),
            bin,
            dir,
        }
    }

    fn data(&self) -> String {
        self.dir.path().join("data").display().to_string()
    }

    fn log(&self) -> String {
        self.dir.path().join("log").display().to_string()
    }

    /// One of PostgreSQL's programs, run as the user that owns the cluster.
    fn command(&self, program: &str) -> Command {
        let path = self.bin.join(program);
        let mut command = if running_as_root() {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&path);
            c
        } else {
            Command::new(&path)
        };
        command.current_dir(self.dir.path()).stdin(Stdio::null());
        command
    }

    fn run(&self, program: &str, args: &[&str]) {
        let out = self
            .command(program)
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("cannot run {program}: {e}"));
        assert!(
            out.status.success(),
            "{program} {args:?} failed: {}{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr),
            std::fs::read_to_string(self.log()).unwrap_or_default()
        );
    }

    /// Appends settings to the cluster's configuration (the last of a name wins).
    pub fn configure(&self, settings: &str) {
        use std::io::Write;
        let path = Path::new(&self.data()).join("postgresql.conf");
        let mut file = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .expect("postgresql.conf");
        write!(
            file,
            "\nport = {}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{}'\n\
             fsync = off\nshared_buffers = 16MB\nmax_connections = 120\n{settings}",
            self.port,
            self.dir.path().display()
        )
        .expect("write postgresql.conf");
    }

    pub fn start(&self) {
        self.run(
            "pg_ctl",
            &[
                "-D",
                &self.data(),
                "-l",
                &self.log(),
                "-w",
                "-t",
                "60",
                "start",
            ],
        );
    }

    /// Makes the running server read its configuration again.
    pub fn reload(&self) {
        self.run("pg_ctl", &["-D", &self.data(), "reload"]);
    }

    /// Stops at once, as a crash would.
    pub fn stop(&self) {
        self.run(
            "pg_ctl",
            &["-D", &self.data(), "-m", "immediate", "-w", "stop"],
        );
    }

    pub fn url(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.port)
    }

    /// Connects to `database`, retrying while the server starts.
    pub async fn connect(&self, database: &str) -> sqlx::PgConnection {
        use sqlx::Connection;
        let started = Instant::now();
        loop {
            match sqlx::PgConnection::connect(&self.url(database)).await {
                Ok(c) => return c,
                Err(e) if started.elapsed() > Duration::from_secs(30) => {
                    panic!("cluster on port {} unreachable: {e}", self.port)
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        // Stopped before its directory goes; a cluster already stopped answers an error.
        let _ = self
            .command("pg_ctl")
            .args(["-D", &self.data(), "-m", "immediate", "-w", "stop"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}
