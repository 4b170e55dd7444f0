//! What a release's `GET /api/definitions` leaves out, so the live read can fill it in.

use super::version::BrokerVersion;

/// From 4.2.9 (and 4.3.3 on the 4.3 line) the export drops internal exchanges
/// (rabbit_definitions:list_exchanges/0), so they must be read from `/api/exchanges`.
pub fn omits_internal_exchanges(version: BrokerVersion) -> bool {
    let legacy_4_3 = version.at_least(4, 3, 0) && !version.at_least(4, 3, 3);
    version.at_least(4, 2, 9) && !legacy_4_3
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_canonical_export_shape_drops_internal_exchanges() {
        let v = |text: &str| text.parse::<BrokerVersion>().unwrap();
        for old in ["3.10.8", "4.0.5", "4.1.8", "4.2.8", "4.3.2"] {
            assert!(!omits_internal_exchanges(v(old)), "{old}");
        }
        for new in ["4.2.9", "4.3.3", "4.3.5", "4.4.0"] {
            assert!(omits_internal_exchanges(v(new)), "{new}");
        }
    }
}
