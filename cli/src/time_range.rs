//! `--since 15m`: a relative time range in Bronto's words (`Last 15 minutes`).

/// Bronto's `time_range` for a duration such as `90s`, `15m`, `1h`, `7d` or `2w`.
///
/// ```
/// assert_eq!(cli::time_range::since("15m").unwrap(), "Last 15 minutes");
/// assert_eq!(cli::time_range::since("1h").unwrap(), "Last 1 hour");
/// assert!(cli::time_range::since("soon").is_err());
/// ```
pub fn since(duration: &str) -> Result<String, String> {
    let duration = duration.trim();
    let split = duration
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(duration.len());
    let (number, unit) = duration.split_at(split);
    let count: u64 = number
        .parse()
        .map_err(|_| format!("`{duration}` is not a duration such as 15m, 1h or 7d"))?;
    let unit = match unit.trim() {
        "s" | "sec" | "second" | "seconds" => "second",
        "m" | "min" | "minute" | "minutes" => "minute",
        "h" | "hour" | "hours" => "hour",
        "d" | "day" | "days" => "day",
        "w" | "week" | "weeks" => "week",
        other => {
            return Err(format!(
                "`{other}` is not a unit (use s, m, h, d or w, as in 15m)"
            ));
        }
    };
    if count == 0 {
        return Err("a time range must be longer than zero".into());
    }
    let plural = if count == 1 { "" } else { "s" };
    Ok(format!("Last {count} {unit}{plural}"))
}
