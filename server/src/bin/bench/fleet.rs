//! `bench fleet`: the load benchmark against one server process, then against three
//! behind HAProxy with a streaming standby for reads, on the same primary and machine.
//!
//! `./dev bench fleet` makes the primary and the standby (their URLs: the admin URL the
//! benchmark is given, and `EZLIFT_FLEET_STANDBY`, the standby's server without a
//! database); each run gets a database of its own. On 2 cores the point is the cost of
//! the fleet (a balancer hop, three processes' memory, reads spread over two servers), not
//! more throughput.

use super::figures::Res;
use super::load::{self, Target};
use super::process::ServerProcess;
use std::collections::BTreeMap;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const PROCESSES: usize = 3;

/// HAProxy in front of the processes, as the README's production section configures it.
struct Balancer {
    child: Child,
    config: std::path::PathBuf,
}

impl Drop for Balancer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.config);
    }
}

fn balancer(servers: &[ServerProcess]) -> Res<(Balancer, String)> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let mut config = format!(
        "global\n  maxconn 4096\n\
         defaults\n  mode http\n  timeout connect 2s\n  timeout client 60s\n  \
         timeout server 60s\n  option forwardfor\n  option http-keep-alive\n\
         frontend ezlift\n  bind 127.0.0.1:{port}\n  default_backend servers\n\
         backend servers\n  balance roundrobin\n  option httpchk GET /readyz\n  \
         default-server inter 1s fall 2 rise 2\n"
    );
    for (i, s) in servers.iter().enumerate() {
        let address = s.base.trim_start_matches("http://");
        config.push_str(&format!("  server s{i} {address} check\n"));
    }
    let path = std::env::temp_dir().join(format!("ezlift-bench-haproxy-{port}.cfg"));
    std::fs::write(&path, config)?;
    let child = Command::new("haproxy")
        .args(["-db", "-f"])
        .arg(&path)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start haproxy (./dev setup installs it): {e}"))?;
    Ok((
        Balancer {
            child,
            config: path,
        },
        format!("http://127.0.0.1:{port}"),
    ))
}

/// Reads served by each node, summed over the processes' `/metrics`.
async fn reads_by_node(servers: &[ServerProcess]) -> Res<BTreeMap<String, u64>> {
    let mut out = BTreeMap::new();
    for s in servers {
        let text = reqwest::get(format!("{}/metrics", s.base))
            .await?
            .error_for_status()?
            .text()
            .await?;
        for line in text.lines() {
            let Some(rest) = line.strip_prefix("ezlift_db_reads_total{node=\"") else {
                continue;
            };
            if let Some((node, value)) = rest.split_once("\"} ") {
                *out.entry(node.to_owned()).or_default() += value.parse::<u64>().unwrap_or(0);
            }
        }
    }
    Ok(out)
}

/// The header of the two columns the rows' values hold (`one | fleet`).
pub const COLUMNS: &str = "one process | three processes behind HAProxy, standby for reads";

/// `single` and `fleet` are databases of their own on the primary; the standby has both.
pub async fn bench(single: &str, fleet: &str, fleet_standby: &str) -> Res<Vec<(String, String)>> {
    eprintln!("one process …");
    let server = ServerProcess::start(single)?;
    let target = Target {
        base: server.base.clone(),
        servers: vec![server],
    };
    let (one, _) = load::run(&target).await?;
    drop(target);

    eprintln!("{PROCESSES} processes behind HAProxy, reads from the standby …");
    let servers = (0..PROCESSES)
        .map(|_| {
            ServerProcess::start_with(
                fleet,
                &[
                    ("DATABASE_REPLICA_URL", fleet_standby),
                    ("EZLIFT_TRUST_PROXY", "true"),
                ],
            )
        })
        .collect::<Res<Vec<_>>>()?;
    let (_balancer, base) = balancer(&servers)?;
    // Until the balancer has checked every process.
    for _ in 0..100 {
        if reqwest::get(format!("{base}/readyz"))
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    let target = Target { base, servers };
    let (many, _) = load::run(&target).await?;
    let reads = reads_by_node(&target.servers).await?;

    let fleet: BTreeMap<String, String> = many.into_iter().collect();
    let mut rows = Vec::new();
    rows.extend(one.into_iter().map(|(name, value)| {
        let other = fleet.get(&name).cloned().unwrap_or_default();
        (name, format!("{value} | {other}"))
    }));
    rows.push((
        "snapshot reads served by the primary / the standby (fleet)".into(),
        format!(
            "— | {} / {}",
            reads.get("primary").copied().unwrap_or(0),
            reads.get("standby").copied().unwrap_or(0)
        ),
    ));
    Ok(rows)
}
