//! Tests of the spec checker against the embedded specs, one file per area.

mod bodies;
mod credentials;
mod find;
mod parameters;
mod responses;

use std::fmt;

use http::{HeaderMap, HeaderName, HeaderValue, Method};

use super::{Operation, Specs, Violation, ViolationKind};

fn specs() -> Specs {
    Specs::load().expect("the specs load")
}

fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (k, v) in pairs {
        map.append(
            HeaderName::from_bytes(k.as_bytes()).unwrap(),
            HeaderValue::from_str(v).unwrap(),
        );
    }
    map
}

fn op<'s>(specs: &'s Specs, method: Method, path: &str) -> Operation<'s> {
    specs
        .find(&method, path)
        .expect("the method is allowed")
        .expect("the path is known")
}

fn kind<T: fmt::Debug>(r: Result<T, Violation>) -> ViolationKind {
    r.expect_err("a violation").kind
}

fn parts(list: &[(&str, Option<&str>)]) -> Vec<(String, Option<String>)> {
    list.iter()
        .map(|(n, v)| ((*n).to_owned(), v.map(str::to_owned)))
        .collect()
}
