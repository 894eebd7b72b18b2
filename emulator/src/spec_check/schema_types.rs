//! Validates a JSON value against a typed or untyped (`Any`) schema's own keywords.

use openapiv3::{AnySchema, IntegerFormat, StringFormat, Type, VariantOrUnknownOrEmpty};
use serde_json::Value;

use super::rules::{
    as_integer, enum_list, integer_rules, number_rules, string_rules, type_matches,
};
use super::schema::{Invalid, ObjectView, Validator, mismatch};

impl<'a> Validator<'a> {
    pub(super) fn check_type(
        &self,
        t: &'a Type,
        value: &Value,
        path: &str,
        depth: usize,
    ) -> Result<(), Invalid> {
        match t {
            Type::String(st) => {
                let Some(s) = value.as_str() else {
                    return Err(mismatch(path, "string", value));
                };
                if !st.enumeration.is_empty()
                    && !st.enumeration.iter().any(|e| e.as_deref() == Some(s))
                {
                    let list = st
                        .enumeration
                        .iter()
                        .flatten()
                        .map(|e| format!("`{e}`"))
                        .collect::<Vec<_>>()
                        .join(", ");
                    return Err(Invalid::at(path, format!("expected one of {list}")));
                }
                let format = match &st.format {
                    VariantOrUnknownOrEmpty::Item(StringFormat::Date) => Some("date"),
                    VariantOrUnknownOrEmpty::Item(StringFormat::DateTime) => Some("date-time"),
                    VariantOrUnknownOrEmpty::Item(_) | VariantOrUnknownOrEmpty::Empty => None,
                    VariantOrUnknownOrEmpty::Unknown(f) => Some(f.as_str()),
                };
                string_rules(s, format, st.min_length, st.max_length)
                    .map_err(|r| Invalid::at(path, r))
            }
            Type::Integer(it) => {
                let Some(n) = as_integer(value) else {
                    return Err(mismatch(path, "integer", value));
                };
                if !it.enumeration.is_empty()
                    && !it.enumeration.iter().any(|e| e.map(i128::from) == Some(n))
                {
                    let list = it
                        .enumeration
                        .iter()
                        .flatten()
                        .map(|e| format!("`{e}`"))
                        .collect::<Vec<_>>()
                        .join(", ");
                    return Err(Invalid::at(path, format!("expected one of {list}")));
                }
                let format = match &it.format {
                    VariantOrUnknownOrEmpty::Item(IntegerFormat::Int32) => Some("int32"),
                    VariantOrUnknownOrEmpty::Item(IntegerFormat::Int64) => Some("int64"),
                    _ => None,
                };
                integer_rules(n, format).map_err(|r| Invalid::at(path, r))?;
                let bound = |b: Option<i64>| b.map(|b| b as f64);
                number_rules(
                    n as f64,
                    bound(it.minimum),
                    it.exclusive_minimum,
                    bound(it.maximum),
                    it.exclusive_maximum,
                    None,
                )
                .map_err(|r| Invalid::at(path, r))?;
                if let Some(m) = it.multiple_of
                    && m > 0
                    && n % i128::from(m) != 0
                {
                    return Err(Invalid::at(path, format!("must be a multiple of {m}")));
                }
                Ok(())
            }
            Type::Number(nt) => {
                let Some(n) = value.as_f64() else {
                    return Err(mismatch(path, "number", value));
                };
                if !nt.enumeration.is_empty() && !nt.enumeration.contains(&Some(n)) {
                    let list = nt
                        .enumeration
                        .iter()
                        .flatten()
                        .map(|e| format!("`{e}`"))
                        .collect::<Vec<_>>()
                        .join(", ");
                    return Err(Invalid::at(path, format!("expected one of {list}")));
                }
                number_rules(
                    n,
                    nt.minimum,
                    nt.exclusive_minimum,
                    nt.maximum,
                    nt.exclusive_maximum,
                    nt.multiple_of,
                )
                .map_err(|r| Invalid::at(path, r))
            }
            Type::Boolean(bt) => {
                let Some(b) = value.as_bool() else {
                    return Err(mismatch(path, "boolean", value));
                };
                if !bt.enumeration.is_empty() && !bt.enumeration.contains(&Some(b)) {
                    return Err(Invalid::at(path, format!("must not be `{b}`")));
                }
                Ok(())
            }
            Type::Object(o) => {
                let view = ObjectView {
                    properties: o.properties.iter().map(|(k, v)| (k.as_str(), v)).collect(),
                    required: &o.required,
                    additional: o.additional_properties.as_ref(),
                    min_properties: o.min_properties,
                    max_properties: o.max_properties,
                };
                self.check_object(&view, value, path, depth)
            }
            Type::Array(a) => self.check_array(
                a.items.as_ref(),
                a.min_items,
                a.max_items,
                a.unique_items,
                value,
                path,
                depth,
            ),
        }
    }

    pub(super) fn check_any(
        &self,
        a: &'a AnySchema,
        value: &Value,
        path: &str,
        depth: usize,
    ) -> Result<(), Invalid> {
        if let Some(t) = a.typ.as_deref()
            && !type_matches(t, value)
        {
            return Err(mismatch(path, t, value));
        }
        if !a.enumeration.is_empty() && !a.enumeration.contains(value) {
            return Err(Invalid::at(
                path,
                format!("expected one of {}", enum_list(a.enumeration.iter())),
            ));
        }
        match value {
            Value::String(s) => string_rules(s, a.format.as_deref(), a.min_length, a.max_length)
                .map_err(|r| Invalid::at(path, r))?,
            Value::Number(n) => {
                if let Some(i) = as_integer(value) {
                    integer_rules(i, a.format.as_deref()).map_err(|r| Invalid::at(path, r))?;
                }
                if let Some(f) = n.as_f64() {
                    number_rules(
                        f,
                        a.minimum,
                        a.exclusive_minimum.unwrap_or(false),
                        a.maximum,
                        a.exclusive_maximum.unwrap_or(false),
                        a.multiple_of,
                    )
                    .map_err(|r| Invalid::at(path, r))?;
                }
            }
            Value::Object(_) => {
                self.check_object(&ObjectView::of_any(a), value, path, depth)?;
            }
            Value::Array(_) => self.check_array(
                a.items.as_ref(),
                a.min_items,
                a.max_items,
                a.unique_items.unwrap_or(false),
                value,
                path,
                depth,
            )?,
            _ => {}
        }
        if !a.one_of.is_empty() {
            self.check_alternatives(&a.one_of, true, value, path, depth)?;
        }
        if !a.any_of.is_empty() {
            self.check_alternatives(&a.any_of, false, value, path, depth)?;
        }
        for r in &a.all_of {
            self.check_ref(r, value, path, depth + 1)?;
        }
        if let Some(not) = &a.not {
            self.check_not(not, value, path, depth)?;
        }
        Ok(())
    }
}
