//! Settings through `extends`: the nearer environment overrides key by key, recursively; what
//! it leaves out (an absent key, an empty list) comes from the environment it extends.

use super::schema::{BrokerSettings, ManageSettings};
use super::server::{
    AdvancedSettings, ClusterSettings, Listeners, LogSettings, ManagementSettings, ResourceLimits,
    ServerSettings, TcpListenOptions, TlsSettings,
};

/// Fills what `self` leaves out from `parent`, the same setting one `extends` further away.
pub trait Inherit {
    fn inherit(&mut self, parent: Self);
}

/// `optional`: taken whole when absent; `lists`: taken whole when empty; `nested`: merged
/// key by key. Destructuring the parent makes a field left out of the lists a compile error.
macro_rules! inherit {
    ($ty:ty { optional: [$($opt:ident),*], lists: [$($list:ident),*], nested: [$($nest:ident),*] }) => {
        impl Inherit for $ty {
            fn inherit(&mut self, parent: Self) {
                let Self { $($opt,)* $($list,)* $($nest,)* } = parent;
                $(
                    if self.$opt.is_none() {
                        self.$opt = $opt;
                    }
                )*
                $(
                    if self.$list.is_empty() {
                        self.$list = $list;
                    }
                )*
                $(
                    match (&mut self.$nest, $nest) {
                        (Some(mine), Some(theirs)) => mine.inherit(theirs),
                        (mine @ None, theirs) => *mine = theirs,
                        (Some(_), None) => {}
                    }
                )*
            }
        }
    };
}

inherit!(BrokerSettings {
    optional: [user, password, ca_cert, timeout, lock_vhost],
    lists: [urls],
    nested: []
});
inherit!(ManageSettings {
    optional: [vhosts, kinds, on_replace],
    lists: [prune],
    nested: []
});
inherit!(ServerSettings {
    optional: [default_user, default_pass],
    lists: [],
    nested: [listeners, tls, management, resources, logging, clustering, advanced]
});
inherit!(Listeners {
    optional: [amqp_port, tls_port],
    lists: [],
    nested: []
});
inherit!(TlsSettings {
    optional: [ca_cert, cert, key, verify_peer, fail_if_no_peer_cert],
    lists: [],
    nested: []
});
inherit!(ManagementSettings {
    optional: [port, tls_port, load_definitions, sample_retention_policies],
    lists: [],
    nested: []
});
inherit!(ResourceLimits {
    optional: [
        vm_memory_high_watermark_relative,
        disk_free_limit_relative,
        file_handle_open_limit
    ],
    lists: [],
    nested: []
});
inherit!(LogSettings {
    optional: [level, file, dir],
    lists: [],
    nested: []
});
inherit!(ClusterSettings {
    optional: [peer_discovery, dns_hostname],
    lists: [nodes],
    nested: []
});
inherit!(AdvancedSettings {
    optional: [kernel_nodelay, delegate_count],
    lists: [],
    nested: [tcp_listen_options]
});
inherit!(TcpListenOptions {
    optional: [backlog, nodelay, linger, exit_on_close],
    lists: [],
    nested: []
});

#[cfg(test)]
mod tests {
    use super::*;

    fn server(yaml: &str) -> ServerSettings {
        serde_saphyr::from_str(yaml).expect("server settings")
    }

    #[test]
    fn the_nearer_setting_wins_key_by_key_and_the_rest_is_inherited() {
        let mut child =
            server("logging: { level: debug }\nmanagement: { load_definitions: /s.json }\n");
        child.inherit(server(
            "default_user: admin\nlogging: { level: info, dir: /var/log/rabbitmq }\nmanagement: { port: 15672, load_definitions: /p.json }\nadvanced: { delegate_count: 64 }\n",
        ));
        let logging = child.logging.as_ref().expect("logging");
        assert_eq!(
            logging.level.as_ref().map(|l| l.value),
            Some(super::super::server::LogLevel::Debug)
        );
        assert_eq!(
            logging.dir.as_ref().map(|d| d.value.as_str()),
            Some("/var/log/rabbitmq")
        );
        let management = child.management.as_ref().expect("management");
        assert_eq!(management.port.as_ref().map(|p| p.value), Some(15672));
        assert_eq!(
            management
                .load_definitions
                .as_ref()
                .map(|d| d.value.as_str()),
            Some("/s.json")
        );
        assert_eq!(
            child.default_user.as_ref().map(|u| u.value.as_str()),
            Some("admin")
        );
        let advanced = child.advanced.as_ref().expect("advanced");
        assert_eq!(advanced.delegate_count.as_ref().map(|d| d.value), Some(64));
    }

    #[test]
    fn an_empty_list_is_inherited_and_a_written_one_replaces() {
        let broker =
            |yaml: &str| -> BrokerSettings { serde_saphyr::from_str(yaml).expect("broker") };
        let mut child = broker("user: b\n");
        child.inherit(broker("urls: [http://a]\nuser: a\n"));
        assert_eq!(child.urls.len(), 1);
        assert_eq!(child.user.as_ref().map(|u| u.value.as_str()), Some("b"));
        let mut child = broker("urls: [http://b]\n");
        child.inherit(broker("urls: [http://a, http://c]\n"));
        assert_eq!(
            child
                .urls
                .iter()
                .map(|u| u.value.as_str())
                .collect::<Vec<_>>(),
            ["http://b"]
        );
    }
}
