//! The domain's string codes: statuses, kinds and reasons that travel as `snake_case` text in the
//! API, the store and the reports. Each enum derives its table with strum
//! (`#[derive(strum::VariantArray, strum::IntoStaticStr)]` plus
//! `#[strum(serialize_all = "snake_case")]`, beside serde's `rename_all = "snake_case"`), and
//! this trait gives every one of them the same `all`, `as_str` and `parse`. [`codes!`] also
//! makes them inherent (`T::ALL`, `t.as_str()`, `T::parse`), so callers need no trait import.

/// A closed set of `snake_case` codes.
pub trait Code: Copy + 'static + strum::VariantArray + Into<&'static str> {
    /// Every code, in declaration order.
    fn all() -> &'static [Self] {
        Self::VARIANTS
    }

    fn as_str(self) -> &'static str {
        self.into()
    }

    fn parse(s: &str) -> Option<Self> {
        Self::VARIANTS.iter().copied().find(|v| v.as_str() == s)
    }
}

impl<T> Code for T where T: Copy + 'static + strum::VariantArray + Into<&'static str> {}

/// Checks that serde writes every code of `T` exactly as `as_str` names it, and reads it back.
#[cfg(test)]
pub fn assert_serde_agrees<T>()
where
    T: Code + serde::Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
{
    for &code in T::all() {
        let json = serde_json::to_value(code).unwrap();
        assert_eq!(json, serde_json::Value::from(code.as_str()), "{code:?}");
        assert_eq!(serde_json::from_value::<T>(json).unwrap(), code);
        assert_eq!(T::parse(code.as_str()), Some(code));
    }
    assert_eq!(T::parse("no_such_code"), None);
}

/// Gives a strum-derived code enum inherent `ALL`, `as_str` and `parse`, forwarding to [`Code`].
#[macro_export]
macro_rules! codes {
    ($($name:ty),+ $(,)?) => {$(
        impl $name {
            pub const ALL: &'static [$name] = <$name as strum::VariantArray>::VARIANTS;

            pub fn as_str(self) -> &'static str {
                <$name as $crate::domain::Code>::as_str(self)
            }

            pub fn parse(s: &str) -> Option<$name> {
                <$name as $crate::domain::Code>::parse(s)
            }
        }
    )+};
}
