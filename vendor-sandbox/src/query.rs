//! The query language's `where` clause, as far as the sandbox implements it: comparisons (`=`, `!=`, `<>`, `<`,
//! `<=`, `>`, `>=`) of a key with a single-quoted string or a number, `LIKE` (`%`, `_`), `IN (...)`,
//! `IS [NOT] NULL`, joined by `AND`, `OR`, `NOT` and parentheses. Keys are bare (`level`), double-quoted
//! (`"status"`) or `$`-prefixed (`$level`); nested fields are named with dots. Anything else is refused.

use serde_json::{Map, Value};

/// Why a clause is not evaluated: the sandbox lacks the feature (a `501`), or the clause is malformed (a `400`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// A feature of the language the sandbox does not implement, named.
    Unsupported(String),
    /// A clause no service would accept.
    Malformed(String),
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Word(String),
    Key(String),
    Text(String),
    Number(f64),
    Op(&'static str),
    Open,
    Close,
    Comma,
}

fn lex(clause: &str) -> Result<Vec<Token>, Refusal> {
    let chars: Vec<char> = clause.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        match c {
            c if c.is_whitespace() => i += 1,
            '(' | ')' | ',' | '=' => {
                tokens.push(match c {
                    '(' => Token::Open,
                    ')' => Token::Close,
                    ',' => Token::Comma,
                    _ => Token::Op("="),
                });
                i += 1;
            }
            '\'' | '"' => {
                let mut text = String::new();
                i += 1;
                loop {
                    match chars.get(i) {
                        None => {
                            return Err(Refusal::Malformed(format!("unterminated {c}quote{c}")));
                        }
                        Some(&q) if q == c && chars.get(i + 1) == Some(&c) => {
                            text.push(c);
                            i += 2;
                        }
                        Some(&q) if q == c => {
                            i += 1;
                            break;
                        }
                        Some(&other) => {
                            text.push(other);
                            i += 1;
                        }
                    }
                }
                tokens.push(if c == '\'' {
                    Token::Text(text)
                } else {
                    Token::Key(text)
                });
            }
            '!' | '<' | '>' => {
                let next = chars.get(i + 1).copied();
                let op = match (c, next) {
                    ('!', Some('=')) | ('<', Some('>')) => "!=",
                    ('<', Some('=')) => "<=",
                    ('>', Some('=')) => ">=",
                    ('<', _) => "<",
                    ('>', _) => ">",
                    _ => return Err(Refusal::Unsupported(format!("`{c}` in where"))),
                };
                i += op.len();
                tokens.push(Token::Op(op));
            }
            c if c.is_ascii_digit()
                || (c == '-' && chars.get(i + 1).is_some_and(char::is_ascii_digit)) =>
            {
                let start = i;
                i += 1;
                while chars
                    .get(i)
                    .is_some_and(|d| d.is_ascii_digit() || *d == '.')
                {
                    i += 1;
                }
                let text: String = chars[start..i].iter().collect();
                let number = text
                    .parse()
                    .map_err(|_| Refusal::Malformed(format!("`{text}` is not a number")))?;
                tokens.push(Token::Number(number));
            }
            c if c.is_alphanumeric() || "_$@.".contains(c) => {
                let start = i;
                while chars
                    .get(i)
                    .is_some_and(|d| d.is_alphanumeric() || "_$@.-".contains(*d))
                {
                    i += 1;
                }
                tokens.push(Token::Word(chars[start..i].iter().collect()));
            }
            other => return Err(Refusal::Unsupported(format!("`{other}` in where"))),
        }
    }
    Ok(tokens)
}

/// A literal of the clause.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Literal {
    Text(String),
    Number(f64),
}

/// A parsed clause.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Condition {
    All,
    And(Box<Condition>, Box<Condition>),
    Or(Box<Condition>, Box<Condition>),
    Not(Box<Condition>),
    Compare(String, &'static str, Literal),
    Like(String, String),
    In(String, Vec<Literal>),
    IsNull(String),
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
}

fn keyword(token: Option<&Token>, word: &str) -> bool {
    matches!(token, Some(Token::Word(w)) if w.eq_ignore_ascii_case(word))
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn next(&mut self) -> Option<Token> {
        let token = self.tokens.get(self.at).cloned();
        self.at += 1;
        token
    }

    fn or(&mut self) -> Result<Condition, Refusal> {
        let mut left = self.and()?;
        while keyword(self.peek(), "OR") {
            self.at += 1;
            left = Condition::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Condition, Refusal> {
        let mut left = self.not()?;
        while keyword(self.peek(), "AND") {
            self.at += 1;
            left = Condition::And(Box::new(left), Box::new(self.not()?));
        }
        Ok(left)
    }

    fn not(&mut self) -> Result<Condition, Refusal> {
        if keyword(self.peek(), "NOT") {
            self.at += 1;
            return Ok(Condition::Not(Box::new(self.not()?)));
        }
        self.primary()
    }

    fn literal(&mut self) -> Result<Literal, Refusal> {
        match self.next() {
            Some(Token::Text(text)) => Ok(Literal::Text(text)),
            Some(Token::Number(number)) => Ok(Literal::Number(number)),
            Some(Token::Word(word))
                if word.eq_ignore_ascii_case("true") || word.eq_ignore_ascii_case("false") =>
            {
                Ok(Literal::Text(word.to_lowercase()))
            }
            Some(other) => Err(Refusal::Unsupported(format!(
                "{} as a value in where (a single-quoted string or a number)",
                describe(&other)
            ))),
            None => Err(Refusal::Malformed(
                "where ends where a value was expected".into(),
            )),
        }
    }

    fn primary(&mut self) -> Result<Condition, Refusal> {
        let key = match self.next() {
            Some(Token::Open) => {
                let inner = self.or()?;
                return match self.next() {
                    Some(Token::Close) => Ok(inner),
                    _ => Err(Refusal::Malformed("unbalanced parentheses in where".into())),
                };
            }
            Some(Token::Word(word)) => word,
            Some(Token::Key(key)) => key,
            Some(other) => {
                return Err(Refusal::Unsupported(format!(
                    "{} in where",
                    describe(&other)
                )));
            }
            None => {
                return Err(Refusal::Malformed(
                    "where ends where a condition was expected".into(),
                ));
            }
        };
        if self.peek() == Some(&Token::Open) {
            return Err(Refusal::Unsupported(format!(
                "the function `{key}(...)` in where"
            )));
        }
        let negated = keyword(self.peek(), "NOT");
        if negated {
            self.at += 1;
        }
        let condition = match self.next() {
            Some(Token::Op(op)) if !negated => Condition::Compare(key, op, self.literal()?),
            Some(Token::Word(word)) if word.eq_ignore_ascii_case("LIKE") => match self.literal()? {
                Literal::Text(pattern) => Condition::Like(key, pattern),
                Literal::Number(_) => {
                    return Err(Refusal::Malformed("LIKE takes a quoted pattern".into()));
                }
            },
            Some(Token::Word(word)) if word.eq_ignore_ascii_case("IN") => {
                if self.next() != Some(Token::Open) {
                    return Err(Refusal::Malformed("IN takes a parenthesised list".into()));
                }
                let mut values = vec![self.literal()?];
                loop {
                    match self.next() {
                        Some(Token::Comma) => values.push(self.literal()?),
                        Some(Token::Close) => break,
                        _ => return Err(Refusal::Malformed("IN's list is not closed".into())),
                    }
                }
                Condition::In(key, values)
            }
            Some(Token::Word(word)) if word.eq_ignore_ascii_case("IS") && !negated => {
                let not_null = keyword(self.peek(), "NOT");
                if not_null {
                    self.at += 1;
                }
                if !keyword(self.next().as_ref(), "NULL") {
                    return Err(Refusal::Malformed("IS takes NULL or NOT NULL".into()));
                }
                let null = Condition::IsNull(key);
                return Ok(if not_null {
                    Condition::Not(Box::new(null))
                } else {
                    null
                });
            }
            Some(other) => {
                return Err(Refusal::Unsupported(format!(
                    "{} after `{key}` in where",
                    describe(&other)
                )));
            }
            None => return Err(Refusal::Malformed(format!("where ends after `{key}`"))),
        };
        Ok(if negated {
            Condition::Not(Box::new(condition))
        } else {
            condition
        })
    }
}

fn describe(token: &Token) -> String {
    match token {
        Token::Word(word) => format!("`{word}`"),
        Token::Key(key) => format!("the key \"{key}\""),
        Token::Text(text) => format!("the string '{text}'"),
        Token::Number(number) => format!("the number {number}"),
        Token::Op(op) => format!("`{op}`"),
        Token::Open => "`(`".into(),
        Token::Close => "`)`".into(),
        Token::Comma => "`,`".into(),
    }
}

/// Parses a `where` clause (empty: every event).
pub(crate) fn parse(clause: &str) -> Result<Condition, Refusal> {
    let tokens = lex(clause)?;
    if tokens.is_empty() {
        return Ok(Condition::All);
    }
    let mut parser = Parser { tokens, at: 0 };
    let condition = parser.or()?;
    match parser.peek() {
        None => Ok(condition),
        Some(token) => Err(Refusal::Unsupported(format!(
            "{} in where",
            describe(token)
        ))),
    }
}

/// The value of `key` in an event's flattened fields (`$key` names the same field).
pub(crate) fn field<'a>(fields: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    fields
        .get(key)
        .or_else(|| fields.get(key.trim_start_matches('$')))
        .filter(|value| !value.is_null())
}

fn as_text(value: &Value) -> String {
    value
        .as_str()
        .map_or_else(|| value.to_string(), str::to_string)
}

fn as_number(value: &Value) -> Option<f64> {
    value
        .as_f64()
        .or_else(|| value.as_str().and_then(|text| text.trim().parse().ok()))
}

fn matches_literal(value: &Value, literal: &Literal) -> bool {
    match literal {
        Literal::Text(text) => as_text(value) == *text,
        Literal::Number(number) => as_number(value) == Some(*number),
    }
}

fn like(text: &str, pattern: &str) -> bool {
    fn go(text: &[char], pattern: &[char]) -> bool {
        match pattern.split_first() {
            None => text.is_empty(),
            Some(('%', rest)) => (0..=text.len()).any(|skip| go(&text[skip..], rest)),
            Some(('_', rest)) => !text.is_empty() && go(&text[1..], rest),
            Some((c, rest)) => text.first() == Some(c) && go(&text[1..], rest),
        }
    }
    let text: Vec<char> = text.chars().collect();
    let pattern: Vec<char> = pattern.chars().collect();
    go(&text, &pattern)
}

impl Condition {
    /// Whether an event's fields satisfy the clause (a missing key satisfies only `IS NULL`, as in SQL).
    pub(crate) fn matches(&self, fields: &Map<String, Value>) -> bool {
        match self {
            Condition::All => true,
            Condition::And(left, right) => left.matches(fields) && right.matches(fields),
            Condition::Or(left, right) => left.matches(fields) || right.matches(fields),
            Condition::Not(inner) => !inner.matches(fields),
            Condition::IsNull(key) => field(fields, key).is_none(),
            Condition::Like(key, pattern) => {
                field(fields, key).is_some_and(|v| like(&as_text(v), pattern))
            }
            Condition::In(key, values) => {
                field(fields, key).is_some_and(|v| values.iter().any(|l| matches_literal(v, l)))
            }
            Condition::Compare(key, op, literal) => {
                let Some(value) = field(fields, key) else {
                    return false;
                };
                let ordering = match literal {
                    Literal::Number(number) => as_number(value).and_then(|v| v.partial_cmp(number)),
                    Literal::Text(text) => Some(as_text(value).as_str().cmp(text.as_str())),
                };
                let Some(ordering) = ordering else {
                    return false;
                };
                match *op {
                    "=" => ordering.is_eq(),
                    "!=" => ordering.is_ne(),
                    "<" => ordering.is_lt(),
                    "<=" => ordering.is_le(),
                    ">" => ordering.is_gt(),
                    _ => ordering.is_ge(),
                }
            }
        }
    }
}

/// `Last N seconds|minutes|hours|days|weeks` as a length in milliseconds; `None` for any other form.
pub(crate) fn relative_range(text: &str) -> Option<i64> {
    let mut words = text.split_whitespace();
    if !words.next()?.eq_ignore_ascii_case("last") {
        return None;
    }
    let count: i64 = words.next()?.parse().ok()?;
    let unit = words.next()?.to_ascii_lowercase();
    if words.next().is_some() {
        return None;
    }
    let unit_ms = match unit.trim_end_matches('s') {
        "second" | "sec" => 1_000,
        "minute" | "min" => 60_000,
        "hour" => 3_600_000,
        "day" => 86_400_000,
        "week" => 7 * 86_400_000,
        _ => return None,
    };
    Some(count * unit_ms)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fields(value: Value) -> Map<String, Value> {
        value.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn the_common_forms_evaluate_as_sql_does() {
        let event = fields(json!({"level": "error", "status": 503, "path": "/pay", "host": "a"}));
        for (clause, expected) in [
            ("level = 'error'", true),
            ("\"status\" >= 500", true),
            ("status < 500", false),
            ("level = 'error' AND NOT path LIKE '/p%'", false),
            ("level != 'error' OR host IN ('a', 'b')", true),
            ("missing IS NULL AND level IS NOT NULL", true),
            ("missing != 'x'", false),
            (
                "($level = 'warn' OR status = 503) AND path NOT IN ('/x')",
                true,
            ),
        ] {
            let condition = parse(clause).unwrap_or_else(|e| panic!("{clause}: {e:?}"));
            assert_eq!(condition.matches(&event), expected, "{clause}");
        }
    }

    #[test]
    fn what_it_lacks_is_named_and_malformed_clauses_are_told_apart() {
        assert!(
            matches!(parse("lower(level) = 'x'"), Err(Refusal::Unsupported(what)) if what.contains("lower"))
        );
        assert!(matches!(parse("level = 'x"), Err(Refusal::Malformed(_))));
        assert!(matches!(parse("level ~ 'x'"), Err(Refusal::Unsupported(_))));
    }

    #[test]
    fn relative_ranges_read_the_usual_units() {
        assert_eq!(relative_range("Last 24 hours"), Some(86_400_000));
        assert_eq!(relative_range("last 1 minute"), Some(60_000));
        assert_eq!(relative_range("Yesterday"), None);
    }
}
