//! One module per detector. Validators (`id_card`, `phone`, `bank_card`) are pure functions
//! over digits; the others read the analysed [`Text`](crate::text::Text).

pub mod address;
pub mod bank_card;
pub mod contact;
pub mod id_card;
pub mod name;
pub mod numbers;
pub mod phone;
pub mod table;
