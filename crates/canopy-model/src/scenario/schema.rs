//! A JSON Schema (draft 2020-12) of scenario files, made from the parameter
//! table, so that editors that read JSON Schema for TOML (taplo, Even Better
//! TOML) complete and check keys.

use serde_json::{Map, Value as Json, json};

use super::params::{self, Default, Kind, Range};

fn number_schema(range: Range) -> Map<String, Json> {
    let mut m = Map::new();
    m.insert("type".into(), json!("number"));
    if let Some((lo, open)) = range.lower() {
        let key = if open { "exclusiveMinimum" } else { "minimum" };
        m.insert(key.into(), json!(lo));
    }
    if let Some((hi, open)) = range.upper() {
        let key = if open { "exclusiveMaximum" } else { "maximum" };
        m.insert(key.into(), json!(hi));
    }
    m
}

/// The schema of one value of `kind`.
fn kind_schema(kind: Kind) -> Map<String, Json> {
    match kind {
        Kind::Number(range) => number_schema(range),
        Kind::Whole { min, max } => {
            let mut m = Map::new();
            m.insert("type".into(), json!("integer"));
            m.insert("minimum".into(), json!(min));
            m.insert("maximum".into(), json!(max));
            m
        }
        Kind::Bool => {
            let mut m = Map::new();
            m.insert("type".into(), json!("boolean"));
            m
        }
        Kind::Choice(names) => {
            let mut m = Map::new();
            m.insert("type".into(), json!("string"));
            m.insert("enum".into(), json!(names));
            m
        }
        Kind::Numbers(range) => {
            let mut m = Map::new();
            m.insert("type".into(), json!("array"));
            m.insert("minItems".into(), json!(1));
            m.insert("items".into(), Json::Object(number_schema(range)));
            m
        }
        Kind::Text => {
            let mut m = Map::new();
            m.insert("type".into(), json!("string"));
            m.insert("minLength".into(), json!(1));
            m
        }
    }
}

fn default_json(d: Default) -> Option<Json> {
    Some(match d {
        Default::Float(x) => json!(x),
        Default::Int(i) => json!(i),
        Default::Bool(b) => json!(b),
        Default::Str(s) => json!(s),
        Default::List(xs) => json!(xs),
        Default::Required | Default::Derived => return None,
    })
}

fn leaf(kind: Kind, default: Default, doc: &str) -> Json {
    let mut m = kind_schema(kind);
    m.insert("description".into(), json!(doc));
    if let Some(d) = default_json(default) {
        m.insert("default".into(), d);
    }
    Json::Object(m)
}

fn object(properties: Map<String, Json>, required: Vec<&str>, doc: &str) -> Json {
    let mut m = Map::new();
    m.insert("type".into(), json!("object"));
    if !doc.is_empty() {
        m.insert("description".into(), json!(doc));
    }
    m.insert("properties".into(), Json::Object(properties));
    if !required.is_empty() {
        m.insert("required".into(), json!(required));
    }
    m.insert("additionalProperties".into(), json!(false));
    Json::Object(m)
}

/// The table at `prefix` of the scenario, with its sub-tables.
fn scenario_table(prefix: &str) -> Json {
    let mut props = Map::new();
    for key in params::scenario_children(prefix) {
        let path = if prefix.is_empty() {
            key.to_string()
        } else {
            format!("{prefix}.{key}")
        };
        let schema = match params::param(&path) {
            Some(p) => leaf(p.kind, p.default, p.doc),
            None if path == "deal" => json!({
                "type": "array",
                "description": "The deals, each a `[[deal]]` table.",
                "items": deal_schema(),
            }),
            None => scenario_table(&path),
        };
        props.insert(key.to_string(), schema);
    }
    object(props, Vec::new(), "")
}

/// One `[[deal]]`: its own keys and its parts, at least one part required.
fn deal_schema() -> Json {
    let mut props = Map::new();
    let mut required = Vec::new();
    for key in params::deal_children("") {
        if params::DEAL_PARTS.contains(&key) {
            let mut part_props = Map::new();
            let mut part_required = Vec::new();
            for p in params::DEAL_PARAMS
                .iter()
                .filter(|p| params::part_of(p.path) == Some(key))
            {
                let k = &p.path[key.len() + 1..];
                part_props.insert(k.to_string(), leaf(p.kind, p.default, p.doc));
                if p.default == Default::Required {
                    part_required.push(k);
                }
            }
            props.insert(key.to_string(), object(part_props, part_required, ""));
        } else if let Some(p) = params::deal_param(key) {
            props.insert(key.to_string(), leaf(p.kind, p.default, p.doc));
            if p.default == Default::Required {
                required.push(key);
            }
        }
    }
    let mut deal = object(props, required, "A deal: who, when, and at least one part.");
    if let Json::Object(m) = &mut deal {
        m.insert(
            "anyOf".into(),
            Json::Array(
                params::DEAL_PARTS
                    .iter()
                    .map(|p| json!({ "required": [p] }))
                    .collect(),
            ),
        );
    }
    deal
}

/// The JSON Schema of scenario files.
pub fn json_schema() -> Json {
    let mut root = scenario_table("");
    if let Json::Object(m) = &mut root {
        let mut head = Map::new();
        head.insert(
            "$schema".into(),
            json!("https://json-schema.org/draft/2020-12/schema"),
        );
        head.insert("title".into(), json!("canopy scenario"));
        head.insert(
            "description".into(),
            json!("A canopy scenario file: every table and key is optional; a missing key takes its default."),
        );
        head.append(m);
        *m = head;
    }
    root
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_parameter_is_in_the_schema_with_its_range() {
        let s = json_schema();
        for p in params::PARAMS {
            let mut node = &s;
            for key in p.path.split('.') {
                node = &node["properties"][key];
            }
            assert!(node.is_object(), "{} missing", p.path);
            assert_eq!(node["description"], json!(p.doc), "{}", p.path);
        }
        let share = &s["properties"]["aegis"]["properties"]["revenue_share"];
        assert_eq!(share["minimum"], json!(0.0));
        assert_eq!(share["maximum"], json!(1.0));
        let seed = &s["properties"]["simulation"]["properties"]["seed"];
        assert_eq!(seed["type"], json!("integer"));
        assert_eq!(seed["maximum"], json!(i64::MAX));
        let deal = &s["properties"]["deal"]["items"];
        assert_eq!(deal["required"], json!(["counterparty", "start_month"]));
        assert_eq!(
            deal["properties"]["oak"]["required"],
            json!(["amount", "irr_threshold"])
        );
        assert_eq!(deal["additionalProperties"], json!(false));
    }
}
