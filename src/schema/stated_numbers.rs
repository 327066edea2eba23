//! The numbers the schema's descriptions state, tied to the constants that enforce them.
//! async-graphql takes a description as a string literal, so a limit is written out in it; this
//! test reads every description of the built schema and fails when one states a number that the
//! code does not enforce (a page size, the cost of `partners`, the ids `nodes` takes).

#[cfg(test)]
mod tests {
    use async_graphql::parser::types::{ServiceDocument, TypeKind, TypeSystemDefinition};

    use crate::schema::{graph::PARTNERS_COST, node::MAX_NODES, pagination::MAX_PAGE_SIZE};

    /// Every argument of every field: (type, field, argument, description).
    fn arguments(document: &ServiceDocument) -> Vec<(String, String, String, String)> {
        let mut found = Vec::new();
        for definition in &document.definitions {
            let TypeSystemDefinition::Type(ty) = definition else {
                continue;
            };
            let fields = match &ty.node.kind {
                TypeKind::Object(object) => &object.fields,
                TypeKind::Interface(interface) => &interface.fields,
                _ => continue,
            };
            for field in fields {
                for argument in &field.node.arguments {
                    found.push((
                        ty.node.name.node.to_string(),
                        field.node.name.node.to_string(),
                        argument.node.name.node.to_string(),
                        argument
                            .node
                            .description
                            .as_ref()
                            .map(|text| text.node.clone())
                            .unwrap_or_default(),
                    ));
                }
            }
        }
        found
    }

    /// A number as descriptions write it: thousands apart by a space ("10 000").
    fn written(n: usize) -> String {
        let digits = n.to_string();
        let mut out = String::new();
        for (i, digit) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                out.push(' ');
            }
            out.push(digit);
        }
        out
    }

    #[test]
    fn every_page_argument_states_the_page_limit() {
        let document = async_graphql::parser::parse_schema(crate::schema::sdl()).unwrap();
        let pages: Vec<_> = arguments(&document)
            .into_iter()
            .filter(|(_, _, argument, _)| argument == "first" || argument == "last")
            .collect();
        assert!(pages.len() >= 20, "{} page arguments", pages.len());
        for (ty, field, argument, description) in pages {
            assert!(
                description.contains(&format!("from 0 to {MAX_PAGE_SIZE}")),
                "{ty}.{field}({argument}): {description}"
            );
            // A connection's `first`: its default page is the largest.
            if argument == "first" && description.starts_with("Returns the first _n_ elements") {
                assert!(
                    description.contains(&format!("the first {MAX_PAGE_SIZE} elements")),
                    "{ty}.{field}(first): {description}"
                );
            }
        }
    }

    #[test]
    fn stated_costs_and_caps_are_the_enforced_ones() {
        let sdl = crate::schema::sdl();
        let cost = format!(
            "Costs {} towards the query cost limit",
            written(PARTNERS_COST)
        );
        assert!(sdl.contains(&cost), "City.partners states {cost:?}");
        let document = async_graphql::parser::parse_schema(&sdl).unwrap();
        let ids = arguments(&document)
            .into_iter()
            .find(|(ty, field, argument, _)| ty == "Query" && field == "nodes" && argument == "ids")
            .expect("Query.nodes(ids:)");
        assert!(
            ids.3.contains(&format!("at most {MAX_NODES}")),
            "Query.nodes(ids:): {}",
            ids.3
        );
    }
}
