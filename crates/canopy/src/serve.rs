//! `canopy serve`: loads the scenario and hands it to `canopy-serve`.

use std::process::ExitCode;

use canopy_serve::{Options, Served};

use crate::cli::{ScenarioArgs, ServeArgs};
use crate::{BAD_INPUT, FAILURE, complain, say};

/// Serves the scenario until Ctrl-C: exit 0 then, 2 for a bad scenario, 1
/// when the server cannot start (a port in use).
pub fn main(args: &ServeArgs) -> ExitCode {
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
        host: args.host,
        port: args.port,
    };
    let result = canopy_serve::serve(served, &opts, |addr| {
        if !addr.ip().is_loopback() {
            complain(&format!(
                "warning: listening on {addr}, which is not a loopback address: anyone who can reach it can use the app (and make this machine run simulations)"
            ));
        }
        let url = format!("http://{addr}/");
        say(&format!("listening on {url}"));
        if args.open {
            open(&url);
        }
    });
    match result {
        Ok(()) => {
            say("stopped");
            ExitCode::SUCCESS
        }
        Err(e) => {
            complain(&format!("error: {e}"));
            ExitCode::from(FAILURE)
        }
    }
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
