//! The where-clause helpers (`sdk::query`) under generated input: whatever a value holds (quotes, doubled quotes,
//! backslashes, operators, newlines, any Unicode), `string_literal` and `attribute` make exactly one token that an
//! independent tokenizer, written here from the clause syntax (single-quoted literals and double-quoted
//! identifiers, a quote doubled inside them, no backslash escapes), reads back as the input: no value can end
//! its quotes early and inject a condition. `HOSTILE_SCALE` runs more cases (see `tests/README.md`).

#[path = "../../bronto-ingest/tests/support/property_budget.rs"]
mod property_budget;

use proptest::prelude::*;
use sdk::query::{attribute, string_literal};

/// One token of a where clause.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Token {
    /// `'...'`, with `''` read as one `'`.
    Literal(String),
    /// `"..."`, with `""` read as one `"`.
    Attribute(String),
    /// A run of `=`, `!`, `<`, `>`.
    Operator(String),
    /// A run of letters, digits, `_`, `.`, `@`.
    Word(String),
    /// `(`, `)` or `,`.
    Punctuation(char),
}

/// Splits a clause into tokens; `Err` names the first thing that is not a token (an unterminated quote).
fn tokenize(clause: &str) -> Result<Vec<Token>, String> {
    let chars: Vec<char> = clause.chars().collect();
    let mut tokens = Vec::new();
    let mut at = 0;
    while at < chars.len() {
        let c = chars[at];
        if c.is_whitespace() {
            at += 1;
        } else if c == '\'' || c == '"' {
            let mut text = String::new();
            at += 1;
            loop {
                match chars.get(at) {
                    None => return Err(format!("unterminated {c} quote")),
                    Some(&q) if q == c && chars.get(at + 1) == Some(&c) => {
                        text.push(c);
                        at += 2;
                    }
                    Some(&q) if q == c => {
                        at += 1;
                        break;
                    }
                    Some(&other) => {
                        text.push(other);
                        at += 1;
                    }
                }
            }
            tokens.push(if c == '\'' {
                Token::Literal(text)
            } else {
                Token::Attribute(text)
            });
        } else if "=!<>".contains(c) {
            let start = at;
            while at < chars.len() && "=!<>".contains(chars[at]) {
                at += 1;
            }
            tokens.push(Token::Operator(chars[start..at].iter().collect()));
        } else if "(),".contains(c) {
            tokens.push(Token::Punctuation(c));
            at += 1;
        } else {
            let start = at;
            while at < chars.len()
                && !chars[at].is_whitespace()
                && !"'\"=!<>(),".contains(chars[at])
            {
                at += 1;
            }
            tokens.push(Token::Word(chars[start..at].iter().collect()));
        }
    }
    Ok(tokens)
}

/// Strings that lean on what could break quoting (quotes, doubled quotes, backslashes, operators, SQL comments,
/// newlines), mixed with arbitrary Unicode.
fn hostile_text() -> impl Strategy<Value = String> {
    prop_oneof![
        "['\"\\\\ =<>!();,a-z0-9\n\t-]{0,24}",
        "(' OR '1'='1|\" OR \"\"=\"|''|\"\"|\\\\'|--|/\\*|;|\u{2019}|\u{ff07}|\0){0,6}",
        any::<String>(),
    ]
}

#[test]
fn a_quoted_value_is_read_back_as_exactly_one_token_equal_to_it() {
    property_budget::check(
        "sdk::query quoting round trip",
        2_000,
        (hostile_text(), hostile_text(), hostile_text()),
        |(key, value, other)| {
            prop_assert_eq!(
                tokenize(&string_literal(&value)),
                Ok(vec![Token::Literal(value.clone())])
            );
            prop_assert_eq!(
                tokenize(&attribute(&key)),
                Ok(vec![Token::Attribute(key.clone())])
            );
            // Embedded in a clause, each stays one token and the clause keeps its shape.
            let clause = format!(
                "{} = {} AND ({} != {})",
                attribute(&key),
                string_literal(&value),
                attribute(&other),
                string_literal(&key)
            );
            let expected = vec![
                Token::Attribute(key.clone()),
                Token::Operator("=".into()),
                Token::Literal(value.clone()),
                Token::Word("AND".into()),
                Token::Punctuation('('),
                Token::Attribute(other.clone()),
                Token::Operator("!=".into()),
                Token::Literal(key.clone()),
                Token::Punctuation(')'),
            ];
            prop_assert_eq!(tokenize(&clause), Ok(expected), "clause {:?}", clause);
            Ok(())
        },
    );
}

#[test]
fn the_tokenizer_sees_the_injection_an_unquoted_value_would_make() {
    // The tokenizer is not blind: the same value pasted without the helper changes the clause's shape.
    let value = "x' OR '1'='1";
    let naive = format!("\"k\" = '{value}'");
    let tokens = tokenize(&naive).expect("tokens");
    assert!(tokens.contains(&Token::Word("OR".into())), "{tokens:?}");
    let safe = format!("\"k\" = {}", string_literal(value));
    assert_eq!(
        tokenize(&safe),
        Ok(vec![
            Token::Attribute("k".into()),
            Token::Operator("=".into()),
            Token::Literal(value.into()),
        ])
    );
}
