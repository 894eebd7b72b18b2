//! The posted form's fields: matched case-insensitively, refused when repeated, with `${filename}` expanded.

use std::collections::HashSet;

use super::FILENAME_VAR;
use super::error::{S3Error, invalid_argument};

/// One form field: its name as sent, its lowercased name, and its value after `${filename}`.
pub(super) struct Field<'a> {
    pub(super) name: &'a str,
    pub(super) lower: String,
    pub(super) value: String,
}

pub(super) struct Form<'a> {
    pub(super) fields: Vec<Field<'a>>,
}

impl<'a> Form<'a> {
    pub(super) fn new(
        fields: &'a [(String, String)],
        file_name: Option<&str>,
    ) -> Result<Self, S3Error> {
        // AWS: "The variable ${filename} is automatically replaced with the name of the file
        // provided by the user and is recognized by all form fields. If the browser or client
        // provides a full or partial path to the file, only the text following the last slash (/)
        // or backslash (\) is used." And: "All variables within the form are expanded prior to
        // validating the POST policy. Therefore, all condition matching should be against the
        // expanded form fields." So the conditions see the expanded key.
        // Observed: a file part with no filename parameter leaves ${filename} as written (AWS
        // says an empty string; S3 answered otherwise in 2026), so `None` replaces nothing.
        // The policy and signature are not form values to expand: they are checked as sent.
        let base_name = file_name.map(|name| match name.rfind(['/', '\\']) {
            Some(at) => &name[at + 1..],
            None => name,
        });
        let mut seen = HashSet::new();
        let mut out = Vec::with_capacity(fields.len());
        for (name, value) in fields {
            let lower = name.to_ascii_lowercase();
            if !seen.insert(lower.clone()) {
                // Chosen, as this emulator's contract: a repeated field is refused. (The SigV2
                // page says repeated fields are joined with commas for condition matching.)
                return Err(invalid_argument(&format!(
                    "POST form field '{name}' appears more than once."
                )));
            }
            let value = match base_name {
                Some(base) if lower != "policy" && lower != "x-amz-signature" => {
                    value.replace(FILENAME_VAR, base)
                }
                _ => value.clone(),
            };
            out.push(Field {
                name: name.as_str(),
                lower,
                value,
            });
        }
        Ok(Self { fields: out })
    }

    /// The value of the field with this lowercase name.
    pub(super) fn value(&self, lower: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|field| field.lower == lower)
            .map(|field| field.value.as_str())
    }
}
