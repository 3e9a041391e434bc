//! The server as a child process of the benchmark (`bench serve`), so its memory is its
//! own: resident size and high-water mark from `/proc`.

use super::figures::Res;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

pub struct ServerProcess {
    child: Child,
    pub base: String,
}

impl ServerProcess {
    pub fn start(database_url: &str) -> Res<Self> {
        Self::start_with(database_url, &[])
    }

    /// [`ServerProcess::start`] with more variables set.
    pub fn start_with(database_url: &str, env: &[(&str, &str)]) -> Res<Self> {
        let mut child = Command::new(std::env::current_exe()?)
            .arg("serve")
            .envs(env.iter().copied())
            .env("DATABASE_URL", database_url)
            .env("EZLIFT_SIGNIN_PER_ADDRESS", "100000000")
            .env("EZLIFT_SIGNIN_PER_ACCOUNT", "100000000")
            // The load benchmark reads the figures cache's size.
            .env("EZLIFT_METRICS", "true")
            .stdout(Stdio::piped())
            .spawn()?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line)?;
        let base = line
            .trim()
            .strip_prefix("listening ")
            .ok_or_else(|| format!("the server said {line:?}"))?
            .to_owned();
        Ok(Self { child, base })
    }

    /// A line of `/proc/<pid>/status` in bytes (`VmRSS`, `VmHWM`).
    pub fn memory(&self, field: &str) -> Res<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))?;
        let kb: u64 = status
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{field}:")))
            .and_then(|v| v.split_whitespace().next()?.parse().ok())
            .ok_or_else(|| format!("{field} not in /proc status"))?;
        Ok(kb * 1024)
    }

    /// Resets the high-water mark to the present resident size.
    pub fn reset_peak(&self) -> Res<()> {
        std::fs::write(format!("/proc/{}/clear_refs", self.child.id()), "5")?;
        Ok(())
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn mb(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1e6)
}
