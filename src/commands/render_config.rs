//! `warren render-config`: rabbitmq.conf and advanced.config from the environment's `server:`.

use std::path::Path;

use crate::cli::RenderConfigArgs;
use crate::config::secret_references;
use crate::error::{Error, Outcome};
use crate::ops::{advanced_config, rabbitmq_conf};

pub fn run(args: &RenderConfigArgs, environments_dir: &Path) -> Result<Outcome, Error> {
    let env = super::pipeline::load_valid(&args.env, environments_dir, None)?;
    let Some(server) = &env.settings.server else {
        return Err(Error::Usage(format!(
            "environment `{}` has no `server:` setting to render",
            env.name
        )));
    };
    let default_pass = match &server.spec.default_pass {
        Some(source) => Some(
            secret_references::resolve(source, &env.dir, server.file)
                .map_err(|d| Error::Usage(format!("server.default_pass: {}", d.message())))?,
        ),
        None => None,
    };
    let conf = rabbitmq_conf::render(&env.name, &server.spec, default_pass.as_ref())?;
    let advanced = advanced_config::render(&env.name, &server.spec);
    std::fs::create_dir_all(&args.out).map_err(|source| Error::Io {
        what: format!("creating {}", args.out.display()),
        source,
    })?;
    // rabbitmq.conf may hold the default user's password: readable by its owner only.
    write(
        &args.out.join("rabbitmq.conf"),
        &conf,
        default_pass.is_some(),
    )?;
    write(&args.out.join("advanced.config"), &advanced, false)?;
    Ok(Outcome::Success)
}

fn write(path: &Path, text: &str, private: bool) -> Result<(), Error> {
    let io = |source| Error::Io {
        what: format!("writing {}", path.display()),
        source,
    };
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    if private {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    #[cfg(not(unix))]
    let _ = private;
    let mut file = options.open(path).map_err(io)?;
    #[cfg(unix)]
    if private {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))
            .map_err(io)?;
    }
    std::io::Write::write_all(&mut file, text.as_bytes()).map_err(io)?;
    println!("{}", path.display());
    Ok(())
}
