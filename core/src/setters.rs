//! `setters!`: the builder methods that only store their argument, so each is written as one line.

/// For each `name(arg: Type);`, a `pub fn name(mut self, arg: Type) -> Self` that stores
/// `Some(arg.into())` in the field `name`; the doc comments go on the method.
macro_rules! setters {
    ($($(#[$doc:meta])* $name:ident($value:ident: $ty:ty);)+) => {
        $(
            $(#[$doc])*
            pub fn $name(mut self, $value: $ty) -> Self {
                self.$name = Some($value.into());
                self
            }
        )+
    };
}

pub(crate) use setters;
