//! `bronto`: the Bronto API by hand (see the `cli` crate).

fn main() -> std::process::ExitCode {
    cli::bronto::main()
}
