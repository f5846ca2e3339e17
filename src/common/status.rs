//! The row type every domain contributes to `supabase_ext.status()`.
pub type Row = (String, String, Option<String>, Option<String>);

pub fn row(component: &str, name: &str, value: Option<String>, detail: Option<String>) -> Row {
    (component.to_string(), name.to_string(), value, detail)
}
