//! Text analysis for Chinese and English: jieba segments Chinese (search mode, so 锂电池 also
//! yields 锂电 and 电池), tokens without a letter or digit (punctuation, spaces) are dropped,
//! then lower-casing and English stemming ("Batteries" and "battery" meet).

use tantivy::tokenizer::{
    Language, LowerCaser, RemoveLongFilter, Stemmer, TextAnalyzer, Token, TokenStream, Tokenizer,
};
use tantivy_jieba::{JiebaTokenStream, JiebaTokenizer};

pub const NAME: &str = "zh_en";

/// jieba, minus the tokens that are not words.
#[derive(Clone)]
pub struct Words(JiebaTokenizer);

pub struct WordStream<'a>(JiebaTokenStream<'a>);

impl TokenStream for WordStream<'_> {
    fn advance(&mut self) -> bool {
        while self.0.advance() {
            if self.0.token().text.chars().any(char::is_alphanumeric) {
                return true;
            }
        }
        false
    }
    fn token(&self) -> &Token {
        self.0.token()
    }
    fn token_mut(&mut self) -> &mut Token {
        self.0.token_mut()
    }
}

impl Tokenizer for Words {
    type TokenStream<'a> = WordStream<'a>;
    fn token_stream<'a>(&'a mut self, text: &'a str) -> WordStream<'a> {
        WordStream(self.0.token_stream(text))
    }
}

pub fn analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(Words(JiebaTokenizer::new()))
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(Stemmer::new(Language::English))
        .build()
}

/// The distinct terms of `text`, in order of first appearance: what a query searches for and
/// what a match reports as shared.
pub fn terms(text: &str) -> Vec<String> {
    let mut analyzer = analyzer();
    let mut stream = analyzer.token_stream(text);
    let mut out: Vec<String> = Vec::new();
    while let Some(t) = stream.next() {
        if !out.iter().any(|o| o == &t.text) {
            out.push(t.text.clone());
        }
    }
    out
}

/// The terms that carry meaning: single characters (的, 一, 电) match nearly everything and only
/// add noise, so they are dropped, unless nothing else is left (a search for "锂" alone).
pub fn significant(terms: Vec<String>) -> Vec<String> {
    if terms.iter().any(|t| t.chars().count() > 1) {
        terms
            .into_iter()
            .filter(|t| t.chars().count() > 1)
            .collect()
    } else {
        terms
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_is_segmented_and_punctuation_dropped() {
        let t = terms("高镍三元锂电池正极材料制备技术，能量密度提升！");
        for w in ["锂电池", "电池", "正极", "材料"] {
            assert!(t.contains(&w.to_string()), "{w} missing from {t:?}");
        }
        assert!(
            t.iter().all(|w| w.chars().any(char::is_alphanumeric)),
            "{t:?}"
        );
    }

    #[test]
    fn single_characters_are_dropped_unless_alone() {
        assert_eq!(
            significant(terms("基于湿度传感器的灌溉"))
                .iter()
                .filter(|t| *t == "的")
                .count(),
            0
        );
        assert_eq!(significant(terms("锂")), ["锂"]);
    }

    #[test]
    fn english_is_lower_cased_and_stemmed() {
        assert_eq!(terms("Lithium Batteries"), terms("lithium battery"));
    }

    #[test]
    fn emoji_symbols_and_query_syntax_are_not_words() {
        assert!(terms("😀 +-&&||!(){}[]^\"~*?:\\/ ；。").is_empty());
        assert_eq!(terms("title:电池 AND"), terms("title 电池 and"));
    }
}
