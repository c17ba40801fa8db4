//! A notification as a mail message: its subject, and its text in Chinese then English, from
//! the template file `templates/mail/notification.txt` (compiled in, so the binary needs no
//! files beside it).

use std::sync::OnceLock;

use minijinja::{context, Environment};
use serde_json::Value;

use crate::notifications::kinds::Kind;

const TEMPLATE: &str = include_str!("../../../templates/mail/notification.txt");

#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    pub subject: String,
    pub text: String,
}

/// Fen as yuan with two decimals, exactly (no floating point).
fn yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let f = fen.unsigned_abs();
    format!("{sign}{}.{:02}", f / 100, f % 100)
}

fn environment() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        env.add_filter("yuan", yuan);
        env.add_template("notification", TEMPLATE)
            .expect("the mail template parses (a unit test renders it)");
        env
    })
}

/// The message telling `name` of a notification of `kind` with `data`, linking to `url`.
pub fn render(
    kind: Kind,
    name: &str,
    data: &Value,
    url: &str,
) -> Result<Message, minijinja::Error> {
    let about = data.get("title").and_then(Value::as_str).unwrap_or("");
    let text = environment()
        .get_template("notification")?
        .render(context! {
            name,
            title => kind.title(),
            english => kind.english(),
            about,
            data => minijinja::Value::from(minijinja::value::Serde(data)),
            url,
            mandatory => kind.mandatory(),
        })?;
    let subject = if about.is_empty() {
        format!("【技术市场】{} / {}", kind.title(), kind.english())
    } else {
        format!(
            "【技术市场】{}：{} / {}",
            kind.title(),
            about,
            kind.english()
        )
    };
    Ok(Message { subject, text })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn every_kind_renders_in_both_languages_with_its_link() {
        for kind in Kind::ALL {
            let m = render(*kind, "李雷", &json!({}), "https://example.cn/x").unwrap();
            assert!(m.subject.contains(kind.title()) && m.subject.contains(kind.english()));
            assert!(m.text.starts_with("李雷，您好："), "{}", m.text);
            assert!(m.text.contains("Dear 李雷,"));
            assert_eq!(m.text.matches("https://example.cn/x").count(), 2);
        }
    }

    #[test]
    fn details_are_told_when_the_notification_has_them() {
        let m = render(
            Kind::ListingReturned,
            "韩梅梅",
            &json!({"title": "钠离子电池", "reasons": ["缺少专利号", "摘要过短"]}),
            "u",
        )
        .unwrap();
        assert!(m.subject.contains("钠离子电池"));
        assert!(m.text.contains("原因：缺少专利号；摘要过短"), "{}", m.text);
        assert!(m.text.contains("Reasons: 缺少专利号; 摘要过短"));
        assert!(m.text.contains("cannot be turned off"));
        let m = render(
            Kind::DistributionRecorded,
            "x",
            &json!({"amount_fen": 23_338}),
            "u",
        )
        .unwrap();
        assert!(m.text.contains("233.38 元") && m.text.contains("CNY 233.38"));
        assert!(m.text.contains("turn off mail of this kind"));
    }

    #[test]
    fn yuan_are_exact() {
        assert_eq!(yuan(0), "0.00");
        assert_eq!(yuan(7), "0.07");
        assert_eq!(yuan(-123_456), "-1234.56");
    }
}
