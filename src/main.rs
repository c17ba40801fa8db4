use clap::Parser;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = techmarket::cli::Cli::parse();
    let settings = match techmarket::config::Settings::load() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("techmarket: configuration: {e:#}");
            return std::process::ExitCode::from(2);
        }
    };
    techmarket::telemetry::init(&settings.log_format);
    match techmarket::cli::run(cli, settings).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        // Said once, as a sentence: the log goes to the same terminal.
        Err(e) => {
            eprintln!("techmarket: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
