//! `blubracket`: the BluBracket API by hand (see the `cli` crate).

fn main() -> std::process::ExitCode {
    cli::blubracket::main()
}
