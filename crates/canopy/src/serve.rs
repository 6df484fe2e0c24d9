//! `canopy serve`: loads the scenario and hands it to `canopy-serve`.

use std::process::ExitCode;

use canopy_serve::{Happened, Limits, Options, Served, Stopped};

use crate::cli::{ScenarioArgs, ServeArgs};
use crate::{BAD_INPUT, FAILURE, complain, say};

/// Serves the scenario until Ctrl-C: exit 0 then (130 when a second Ctrl-C
/// stopped it at once), 2 for a bad scenario or address, 1 when the server
/// cannot start (a port in use).
pub fn main(args: &ServeArgs) -> ExitCode {
    let (host, host_name) = match host(&args.host) {
        Ok(h) => h,
        Err(e) => {
            complain(&format!("error: {e}"));
            return ExitCode::from(BAD_INPUT);
        }
    };
    let request = ScenarioArgs {
        scenario: args.scenario.clone(),
        months: None,
        set: Vec::new(),
    }
    .request();
    let scenario = match canopy_output::scenario_source::resolve(&request) {
        Ok(s) => s,
        Err(e) => {
            complain(&format!("error: {e}"));
            return ExitCode::from(BAD_INPUT);
        }
    };
    let served = Served {
        name: args.scenario.clone(),
        scenario,
    };
    let opts = Options {
        host,
        host_name: host_name.clone(),
        port: args.port,
        limits: Limits::default(),
    };
    let open_it = args.open;
    let result = canopy_serve::serve(served, &opts, move |happened| match happened {
        Happened::Listening(addr) => {
            if !addr.ip().is_loopback() {
                complain(&format!(
                    "warning: listening on {addr}, which is not a loopback address: anyone who can reach it can use the app (and make this machine run simulations)"
                ));
            }
            let url = match &host_name {
                Some(name) => format!("http://{name}:{}/", addr.port()),
                None => format!("http://{addr}/"),
            };
            say(&format!("listening on {url}"));
            if open_it {
                open(&url);
            }
        }
        Happened::Stopping => {
            complain("stopping: finishing the requests under way (Ctrl-C again to stop at once)")
        }
        Happened::OutOfFiles => complain(
            "warning: too many open files (connections): new ones wait until some close; raise the limit (ulimit -n) if this goes on",
        ),
    });
    match result {
        Ok(Stopped::Cleanly) => {
            say("stopped");
            ExitCode::SUCCESS
        }
        Ok(Stopped::AtOnce) => {
            complain("stopped at once");
            ExitCode::from(130)
        }
        Err(e) => {
            complain(&format!("error: {e}"));
            ExitCode::from(FAILURE)
        }
    }
}

/// `--host`: an IP address, or `localhost` (loopback, and the name a Host
/// header may give).
fn host(given: &str) -> Result<(std::net::IpAddr, Option<String>), String> {
    if given.eq_ignore_ascii_case("localhost") {
        return Ok((
            std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST),
            Some("localhost".to_string()),
        ));
    }
    given
        .trim_start_matches('[')
        .trim_end_matches(']')
        .parse()
        .map(|ip| (ip, None))
        .map_err(|_| {
            format!(
                "--host {given:?} is not allowed: expected an IP address (127.0.0.1, ::1, 0.0.0.0) or localhost"
            )
        })
}

/// Opens `url` in the default browser; a failure is only a warning (the
/// address is printed anyway).
fn open(url: &str) {
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else if cfg!(windows) {
        "explorer"
    } else {
        "xdg-open"
    };
    if let Err(e) = std::process::Command::new(opener)
        .arg(url)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
    {
        complain(&format!(
            "warning: cannot open a browser ({opener}: {e}); open {url} yourself"
        ));
    }
}
