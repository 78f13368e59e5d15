//! What every operation of the OpenAPI document says the same way, written once here instead of
//! in each handler's annotation: a description for each answer; the 401 of every operation that
//! needs a sign-in (or an API key) and the 403 of a role that may not; the 404 of a record named
//! in the path or the body; the 422 of a body a domain rule refuses; the 400, 413 and 415 the
//! extractors answer before a handler runs; and, for edits checked against a version, the
//! `If-Match` header they read and the `ETag` header they answer with. The test command checks
//! the document against the OpenAPI schema (`openapi-spec-validator`) and the server against the
//! document (schemathesis).

use serde_json::{Value, json};

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

pub fn complete(doc: utoipa::openapi::OpenApi) -> Value {
    let mut doc = serde_json::to_value(doc).unwrap_or_else(|_| json!({}));
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return doc;
    };
    let mut seen = std::collections::HashMap::<String, usize>::new();
    for item in paths.values() {
        for method in METHODS {
            if let Some(id) = item.get(method).and_then(|o| o["operationId"].as_str()) {
                *seen.entry(id.to_owned()).or_default() += 1;
            }
        }
    }
    for item in paths.values_mut() {
        for method in METHODS {
            if let Some(operation) = item.get_mut(method) {
                unique_id(operation, &seen);
                complete_operation(operation);
            }
        }
    }
    doc
}

/// Operation ids come from handler names, which repeat across modules (`list`): a repeated one
/// gets its tag in front (`pool_list`).
fn unique_id(operation: &mut Value, seen: &std::collections::HashMap<String, usize>) {
    let Some(id) = operation["operationId"].as_str() else {
        return;
    };
    if seen.get(id).copied().unwrap_or(0) < 2 {
        return;
    }
    let tag = operation["tags"][0]
        .as_str()
        .unwrap_or("api")
        .replace(' ', "_");
    let id = format!("{tag}_{id}");
    operation["operationId"] = json!(id);
}

fn complete_operation(operation: &mut Value) {
    // `security(())` marks an operation anyone may call; the rest need a token or a key.
    let public = operation
        .get("security")
        .and_then(Value::as_array)
        .is_some_and(|s| {
            s.iter()
                .all(|r| r.as_object().is_some_and(|o| o.is_empty()))
        });
    // What the extractors refuse before a handler runs (`api/extract.rs`): a body that is not
    // the JSON asked for, too large or of another type; a path or query that does not parse.
    let body = operation.get("requestBody").is_some();
    let takes = |place: &str| {
        operation
            .get("parameters")
            .and_then(Value::as_array)
            .is_some_and(|p| p.iter().any(|p| p["in"] == place))
    };
    let (path, query) = (takes("path"), takes("query"));
    let Some(responses) = operation
        .get_mut("responses")
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    let mut refused = Vec::new();
    // Signed-in operations are for some roles only; a record named in the path may not exist
    // (or not be one the caller may see).
    if !public {
        refused.extend(["401", "403"]);
    }
    if path || body {
        refused.push("404");
    }
    if body || path || query {
        refused.push("400");
    }
    // A body is parsed into domain types, which refuse what breaks a rule (422).
    if body {
        refused.extend(["413", "415", "422"]);
    }
    for status in refused {
        responses.entry(status.to_owned()).or_insert_with(|| {
            json!({"content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}})
        });
    }
    let versioned = responses.contains_key("428");
    for (status, response) in responses.iter_mut() {
        let Some(response) = response.as_object_mut() else {
            continue;
        };
        let described = response
            .get("description")
            .and_then(Value::as_str)
            .is_some_and(|d| !d.is_empty());
        if !described {
            response.insert("description".to_owned(), json!(describe(status)));
        }
        if versioned && status.starts_with('2') {
            response.insert(
                "headers".to_owned(),
                json!({"ETag": {
                    "description": "the version now, to send back as If-Match with the next edit",
                    "schema": {"type": "string"}
                }}),
            );
        }
    }
    if versioned {
        let parameters = operation
            .as_object_mut()
            .map(|o| o.entry("parameters").or_insert_with(|| json!([])));
        if let Some(Value::Array(parameters)) = parameters {
            parameters.push(json!({
                "name": "If-Match",
                "in": "header",
                "required": true,
                "description": "the version edited, as the ETag gave it (\"3\")",
                "schema": {"type": "string"}
            }));
        }
    }
}

/// What an answer with this status means across the API.
fn describe(status: &str) -> &'static str {
    match status {
        "200" => "done; the result",
        "201" => "created",
        "202" => "accepted, to be checked by the desk",
        "204" => "done; nothing to return",
        "400" => "the request is malformed (see code and message)",
        "401" => "not signed in, the token has expired, or the key is unknown",
        "403" => "the signed-in role may not do this",
        "404" => "no such record, or not one the caller may see",
        "409" => "conflicts with the record as it stands",
        "412" => "the record changed since the version in If-Match; reload it",
        "413" => "the request body is too large",
        "415" => "the body's Content-Type is not one this operation takes",
        "422" => "refused by a rule (see code and message)",
        "428" => "If-Match with the version edited is required",
        "429" => "too many attempts; try again after Retry-After seconds",
        "502" => "an outside service (mail, geocoding) failed",
        "503" => "the server is busy; try again after Retry-After seconds",
        _ => "see the body",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_answer_is_described_and_signed_in_operations_declare_401() {
        let doc = crate::openapi();
        let mut operations = 0;
        for (path, item) in doc["paths"].as_object().unwrap() {
            for method in METHODS {
                let Some(op) = item.get(method) else { continue };
                operations += 1;
                let responses = op["responses"].as_object().unwrap();
                for (status, r) in responses {
                    assert!(
                        r["description"].as_str().is_some_and(|d| !d.is_empty()),
                        "{method} {path} {status}"
                    );
                }
                let public = op.get("security").is_some();
                assert!(public || responses.contains_key("401"), "{method} {path}");
                if responses.contains_key("428") {
                    let names: Vec<&str> = op["parameters"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .filter_map(|p| p["name"].as_str())
                        .collect();
                    assert!(names.contains(&"If-Match"), "{method} {path}");
                }
            }
        }
        assert!(operations > 60, "{operations}");
        assert!(doc["paths"]["/r/{token}/verification"]["get"].is_object());
        // Query parameters are in the query.
        let list = &doc["paths"]["/api/v1/work-orders"]["get"]["parameters"];
        assert!(
            list.as_array().unwrap().iter().all(|p| p["in"] == "query"),
            "{list}"
        );
    }
}
