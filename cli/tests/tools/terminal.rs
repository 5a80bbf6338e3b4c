//! Progress bars: drawn under a real pseudo terminal, absent when the output is piped.

#[cfg(unix)]
#[test]
fn export_draws_its_progress_bar_on_a_terminal_only() {
    let dir = crate::scratch();
    let file = dir.path().join("export.ndjson");
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_bronto"));
    command
        .args(["--sandbox", "export", "--file"])
        .arg(&file)
        .env("TERM", "xterm-256color")
        .env(cli::profile::PROFILES_ENV, dir.path().join("profiles.json"));
    let mut session = rexpect::session::spawn_command(command, Some(60_000)).unwrap();
    // The session hands each byte back as one char: read them as the UTF-8 they are.
    let bytes: Vec<u8> = session
        .exp_eof()
        .unwrap()
        .chars()
        .map(|c| c as u32 as u8)
        .collect();
    let screen = String::from_utf8_lossy(&bytes).into_owned();
    assert!(
        screen.contains("export: complete"),
        "no export bar on the terminal: {screen:?}"
    );
    assert!(
        screen.contains("100%"),
        "the bar did not reach 100%: {screen:?}"
    );
    assert!(screen.contains('█'), "no bar drawn: {screen:?}");
    assert!(
        screen.contains("downloading"),
        "no download bar: {screen:?}"
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap().lines().count(), 30);

    // The same command piped: the data and the summary, no bar.
    let piped = crate::tool("bronto", dir.path())
        .args(["--sandbox", "export", "--file"])
        .arg(&file)
        .assert()
        .success()
        .get_output()
        .clone();
    let log = crate::stderr(&piped);
    assert!(
        !log.contains('█') && !log.contains('\r') && !log.contains('\u{1b}'),
        "{log:?}"
    );
    assert!(!log.contains("100%"), "{log:?}");
}
