//! Plain-words names for grammar rules, so that parse errors never show pest rule names.

use super::parser::Rule;

/// What the user should have written where `rule` was expected. Exhaustive on purpose: a new
/// grammar rule does not compile until it has a description.
pub(super) fn describe(rule: Rule) -> &'static str {
    match rule {
        Rule::EOI => "end of file",
        Rule::WHITESPACE => "a comment",
        // Silent rules: pest reports their alternatives instead, but the enum has them.
        Rule::ident_char => "a name",
        Rule::value => "a name or a string",
        Rule::item => "an item",
        Rule::org_setting
        | Rule::authenticator_setting
        | Rule::idp_setting
        | Rule::route_setting
        | Rule::session_policy_setting
        | Rule::policy_setting
        | Rule::rule_setting
        | Rule::test_setting
        | Rule::user_field
        | Rule::fast_rule_setting => "a setting",
        Rule::name | Rule::path => "a name",
        Rule::int => "a number",
        Rule::duration => "a duration such as `30m`, `2h` or `1d`",
        Rule::string => "a string in double quotes",
        Rule::string_inner => "the rest of the string",
        Rule::lbrace => "`{`",
        Rule::rbrace => "`}`",
        Rule::lbracket => "`[`",
        Rule::rbracket => "`]`",
        Rule::comma => "`,`",
        Rule::plus => "`+`",
        // A `fast_` rule's errors are never reported (what it does not match is parsed again
        // with its twin), but it gets its twin's words all the same.
        Rule::list | Rule::fast_list => "a list such as `[a, b]`",
        Rule::kw_org | Rule::org => "`org`",
        Rule::kw_engine | Rule::engine_setting => "`engine`",
        Rule::engine_value => "an engine (`identity` or `classic`)",
        Rule::status_value => "a status (`active` or `inactive`)",
        Rule::enrollment_value => "an enrollment setting (`allowed` or `disabled`)",
        Rule::used_for_value => "a use (`recovery` or `mfa`)",
        Rule::idp_kind_value => "an IdP kind (`okta_oidc`, `okta_saml`, `oidc` or `saml`)",
        Rule::boolean_value => "`true` or `false`",
        Rule::idp_name => "the name of an IdP",
        Rule::device_value => "a device state (`registered` or `managed`)",
        Rule::kw_features | Rule::features_setting => "`features`",
        Rule::kw_group => "`group`",
        Rule::kw_zone | Rule::zone_field => "`zone`",
        Rule::kw_app | Rule::test_app_setting => "`app`",
        Rule::declaration => "`group`, `zone`, `app`",
        Rule::kw_apps | Rule::apps_setting => "`apps`",
        Rule::kw_default | Rule::default_setting => "`default`",
        Rule::kw_authenticator | Rule::authenticator => "`authenticator`",
        Rule::kw_methods
        | Rule::authenticator_methods_setting
        | Rule::rule_methods_setting
        | Rule::fast_rule_methods_setting => "`methods`",
        Rule::kw_status | Rule::status_setting | Rule::fast_status_setting => "`status`",
        Rule::kw_enrollment | Rule::enrollment_setting => "`enrollment`",
        Rule::kw_used_for | Rule::used_for_setting => "`used_for`",
        Rule::kw_idp | Rule::idp => "`idp`",
        Rule::kw_kind | Rule::kind_setting => "`kind`",
        Rule::kw_issuer | Rule::issuer_setting => "`issuer`",
        Rule::kw_audience | Rule::audience_setting => "`audience`",
        Rule::kw_jwks | Rule::jwks_setting => "`jwks`",
        Rule::kw_certificate | Rule::certificate_setting => "`certificate`",
        Rule::kw_metadata | Rule::metadata_setting => "`metadata`",
        Rule::kw_trust_claims | Rule::trust_claims_setting => "`trust_claims`",
        Rule::kw_map_amr_claims | Rule::map_amr_claims_setting => "`map_amr_claims`",
        Rule::kw_max_clock_skew | Rule::max_clock_skew_setting => "`max_clock_skew`",
        Rule::kw_asserts | Rule::asserts_setting => "`asserts`",
        Rule::kw_usage | Rule::usage_setting => "`usage`",
        Rule::usage_value => "an IdP usage (`sso` or `factor_only`)",
        Rule::kw_route | Rule::route => "`route`",
        Rule::kw_priority | Rule::priority_setting => "`priority`",
        Rule::kw_when | Rule::when_setting | Rule::fast_when_setting => "`when`",
        Rule::kw_and => "`and`",
        Rule::kw_to | Rule::to_setting => "`to`",
        Rule::kw_in => "`in`",
        Rule::kw_not | Rule::not_in | Rule::fast_not_in => "`not in`",
        Rule::kw_session_policy | Rule::session_policy => "`session_policy`",
        Rule::kw_policy | Rule::policy => "`policy`",
        Rule::kw_rule | Rule::rule_block | Rule::fast_rule_run | Rule::fast_rule_block => "`rule`",
        Rule::kw_require | Rule::require_setting | Rule::fast_require_setting => "`require`",
        Rule::kw_deny | Rule::deny_setting => "`deny`",
        Rule::kw_possession | Rule::possession_setting | Rule::fast_possession_setting => {
            "`possession`"
        }
        Rule::kw_reauth | Rule::reauth_setting | Rule::fast_reauth_setting => "`reauth`",
        Rule::kw_any => "`any`",
        Rule::kw_only | Rule::method_only | Rule::fast_method_only => "`only`",
        Rule::kw_except | Rule::method_except | Rule::fast_method_except => "`except`",
        Rule::kw_every_sign_in => "`every_sign_in`",
        Rule::kw_never => "`never`",
        Rule::kw_password => "`password`",
        Rule::kw_factor_type => "`factor_type` or `factor_types`",
        Rule::kw_chain => "`chain`",
        Rule::kw_device | Rule::device_field => "`device`",
        Rule::device_condition
        | Rule::membership_condition
        | Rule::condition
        | Rule::condition_subject
        | Rule::fast_condition
        | Rule::fast_membership_condition
        | Rule::fast_condition_subject
        | Rule::fast_device_condition => {
            "a condition (`group in [..]`, `zone not in [..]`, `risk in [..]`, `platform in [..]`, `domain in [..]`, `app in [..]`, `device registered`)"
        }
        Rule::requirement
        | Rule::password_plus_requirement
        | Rule::factor_requirement
        | Rule::chain_requirement
        | Rule::named_requirement
        | Rule::fast_requirement
        | Rule::fast_factor_requirement
        | Rule::fast_chain_requirement
        | Rule::fast_password_plus_requirement => {
            "a requirement (`password`, `1 factor_type`, `password + 1 factor_type`, `2 factor_types`, `chain [[..]]`, `any_factor`, `mfa`)"
        }
        Rule::kw_test | Rule::test => "`test`",
        Rule::kw_user | Rule::user_setting => "`user`",
        Rule::kw_groups | Rule::groups_field => "`groups`",
        Rule::kw_risk | Rule::risk_field => "`risk`",
        Rule::kw_platform | Rule::platform_field => "`platform`",
        Rule::kw_domain | Rule::domain_field => "`domain`",
        Rule::kw_claims | Rule::claims_setting => "`claims`",
        Rule::kw_expect | Rule::expect_setting => "`expect`",
        Rule::kw_by => "`by`",
        Rule::kw_with => "`with`",
        Rule::file => {
            "an item (`org`, `group`, `zone`, `app`, `authenticator`, `idp`, `route`, `session_policy`, `policy`, `test`)"
        }
    }
}

/// Joins descriptions the way a person would: "`a`, `b` or `c`".
pub(super) fn join(descriptions: &[&str]) -> String {
    match descriptions {
        [] => "something else".to_owned(),
        [one] => (*one).to_owned(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}
