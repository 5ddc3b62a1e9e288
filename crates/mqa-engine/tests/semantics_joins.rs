//! Joins and identities (spec language.md §6 "Collections", §9 "Joins and
//! identities", §9 "engaged"): events to contacts, anonymous and unknown
//! contacts, contacts of another account, `engaged` and `contacts`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;

/// a1: contacts c1 (decision maker, it), c2 (user, sales), c3 (champion, it;
/// its only event is outside the model window) and c4 (no events; one after
/// as_of). Events of a1: two by c1, one by c2, one anonymous, one by an
/// unknown id, one by a2's contact c9. a2: contact c9, no events.
fn data() -> Data {
    Data::new()
        .account("a1", &[])
        .account("a2", &[])
        .contact(
            "c1",
            "a1",
            &[("role", "decision_maker"), ("department", "it")],
        )
        .contact("c2", "a1", &[("role", "user"), ("department", "sales")])
        .contact("c3", "a1", &[("role", "champion"), ("department", "it")])
        .contact("c4", "a1", &[("role", "user"), ("department", "hr")])
        .contact(
            "c9",
            "a2",
            &[("role", "decision_maker"), ("department", "finance")],
        )
        .event("e1", "a1", "c1", &days_ago(1), &[("kind", "demo")])
        .event("e2", "a1", "c1", &days_ago(10), &[("kind", "pricing")])
        .event("e3", "a1", "c2", &days_ago(5), &[("kind", "view")])
        .event("e4", "a1", "", &days_ago(2), &[("kind", "view")])
        .event("e5", "a1", "zz", &days_ago(2), &[("kind", "view")])
        .event("e6", "a1", "c9", &days_ago(2), &[("kind", "demo")])
        .event("e7", "a1", "c3", &days_ago(100), &[("kind", "demo")])
        .event(
            "e8",
            "a1",
            "c4",
            "2026-11-01T00:00:01Z",
            &[("kind", "demo")],
        )
}

#[test]
fn anonymous_and_unknown_contact_events_are_kept() {
    let r = run(
        &score_models(&[
            ("events_n", "count(events)"),
            ("contact_ids", "distinct(events.contact_id)"),
            ("no_role", "count(events where contact.role is missing)"),
        ]),
        &data(),
    );
    // e1–e6 (e7 is outside the 90d window, e8 after as_of).
    assert_eq!(r.value("events_n", "a1"), 6.0);
    // c1, c2, zz, c9: unknown ids are values, the empty one is not.
    assert_eq!(r.value("contact_ids", "a1"), 4.0);
    // e4 (anonymous), e5 (unknown), e6 (another account's contact).
    assert_eq!(r.value("no_role", "a1"), 3.0);
    let s = &r.session.data.summary;
    assert_eq!(s.events_anonymous, 1);
    assert_eq!(s.events_unknown_contact, 2);
    assert!(r.rejects.rows.is_empty(), "{:?}", r.rejects.rows);
}

#[test]
fn contact_id_is_the_events_value_and_contact_id_the_joined_contacts() {
    let r = run(
        &score_models(&[
            ("anonymous", "count(events where contact_id is missing)"),
            ("not_joined", "count(events where contact.id is missing)"),
            ("zz", "count(events where contact_id == \"zz\")"),
        ]),
        &data(),
    );
    // Only e4 has an empty contact_id ...
    assert_eq!(r.value("anonymous", "a1"), 1.0);
    // ... but e4, e5 (unknown) and e6 (a2's contact) join no contact.
    assert_eq!(r.value("not_joined", "a1"), 3.0);
    assert_eq!(r.value("zz", "a1"), 1.0);
}

#[test]
fn rows_of_accounts_may_be_interleaved_and_unsorted() {
    let data = Data::new()
        .account("a1", &[])
        .account("a2", &[])
        .contact("x1", "a2", &[("role", "user")])
        .contact("y1", "a1", &[("role", "champion")])
        .contact("x2", "a2", &[("role", "champion")])
        .event("p", "a2", "x2", &days_ago(3), &[])
        .event("q", "a1", "y1", &days_ago(40), &[])
        .event("r", "a2", "x1", &days_ago(1), &[])
        .event("s", "a1", "", &days_ago(2), &[])
        .event("t", "a2", "x1", &days_ago(50), &[]);
    let r = run(
        &score_models(&[
            ("recent", "count(events within 30d)"),
            ("all_n", "count(events)"),
            (
                "champions",
                "count(engaged within 30d where role == \"champion\")",
            ),
            ("contacts_n", "count(contacts)"),
        ]),
        &data,
    );
    assert_eq!(r.value("recent", "a1"), 1.0);
    assert_eq!(r.value("all_n", "a1"), 2.0);
    assert_eq!(r.value("champions", "a1"), 0.0);
    assert_eq!(r.value("contacts_n", "a1"), 1.0);
    assert_eq!(r.value("recent", "a2"), 2.0);
    assert_eq!(r.value("all_n", "a2"), 3.0);
    assert_eq!(r.value("champions", "a2"), 1.0);
    assert_eq!(r.value("contacts_n", "a2"), 2.0);
}

#[test]
fn per_record_rules_count_anonymous_and_unknown_contact_events() {
    let r = run(
        "model m {
           threshold 1000
           block b {
             1 per events \"all events\"
             10 per events where kind == \"demo\" \"demos\"
             100 per events where contact.role == \"decision_maker\" \"dm events\"
           }
         }",
        &data(),
    );
    assert_eq!(r.points("a1", "all events"), 6.0);
    // e1 and e6: e6's contact is a2's, but the event still counts.
    assert_eq!(r.points("a1", "demos"), 20.0);
    // e1 and e2 (c1); e6 joins no contact, so its contact.role is missing.
    assert_eq!(r.points("a1", "dm events"), 200.0);
}

#[test]
fn contact_fields_join_only_the_same_accounts_contacts() {
    let r = run(
        &score_models(&[
            (
                "dm_events",
                "count(events where contact.role == \"decision_maker\")",
            ),
            ("depts", "distinct(events.contact.department)"),
        ]),
        &data(),
    );
    // e1, e2 (c1); not e6 (c9 belongs to a2).
    assert_eq!(r.value("dm_events", "a1"), 2.0);
    // it (c1), sales (c2); e4/e5/e6 have no joined contact.
    assert_eq!(r.value("depts", "a1"), 2.0);
    assert_eq!(r.value("dm_events", "a2"), 0.0);
}

#[test]
fn engaged_is_contacts_with_an_event_of_the_account_in_the_window() {
    let r = run(
        &score_models(&[
            ("engaged_n", "count(engaged)"),
            ("engaged_7d", "count(engaged within 7d)"),
            ("engaged_3d", "count(engaged within 3d)"),
            ("engaged_depts", "distinct(engaged.department)"),
            (
                "engaged_dm",
                "count(engaged where role == \"decision_maker\")",
            ),
        ]),
        &data(),
    );
    // c1 and c2; c3's event is outside the window, c4's after as_of; the
    // anonymous, unknown and other-account events engage nobody.
    assert_eq!(r.value("engaged_n", "a1"), 2.0);
    assert_eq!(r.value("engaged_7d", "a1"), 2.0);
    assert_eq!(r.value("engaged_3d", "a1"), 1.0);
    assert_eq!(r.value("engaged_depts", "a1"), 2.0);
    assert_eq!(r.value("engaged_dm", "a1"), 1.0);
    // a2's c9 appears only on a1's event: a2 has nobody engaged.
    assert_eq!(r.value("engaged_n", "a2"), 0.0);
}

#[test]
fn contacts_have_no_window() {
    let r = run(
        "model m {
           threshold 1000
           window 7d
           block b within 3d {
             1 per contacts \"per contact\"
             10 when count(contacts) == 4 \"all contacts\"
             100 per engaged \"per engaged\"
           }
         }",
        &data(),
    );
    assert_eq!(r.points("a1", "per contact"), 4.0);
    assert_eq!(r.points("a1", "all contacts"), 10.0);
    // Only c1 has an event in the last 3 days.
    assert_eq!(r.points("a1", "per engaged"), 100.0);
    assert_eq!(r.points("a2", "per contact"), 1.0);
    assert_eq!(r.points("a2", "per engaged"), 0.0);
}

#[test]
fn engaged_contacts_in_the_decision_context() {
    let r = run(
        "model m { threshold 1000 block b { 1 per events \"n\" } }",
        &data(),
    );
    let d = r.detail("a1");
    let ids: Vec<&str> = d
        .context
        .engaged_contacts
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["c1", "c2"]);
    assert_eq!(d.context.engaged_contacts[0]["role"], "decision_maker");
    assert_eq!(d.context.engaged_contacts[1]["department"], "sales");
}

#[test]
fn contacts_and_events_of_an_unknown_account_are_rejected() {
    let data = Data::new()
        .account("a1", &[])
        .contact("c1", "a1", &[])
        .contact("cx", "ghost", &[])
        .event("e1", "a1", "c1", &days_ago(1), &[])
        .event("ex", "ghost", "cx", &days_ago(1), &[]);
    let r = run(
        "model m { threshold 1000 block b { 1 per events \"n\" } }",
        &data,
    );
    let reasons: Vec<(u64, &str)> = r
        .rejects
        .rows
        .iter()
        .map(|x| (x.line, x.reason.as_str()))
        .collect();
    assert_eq!(
        reasons,
        [
            (3, "unknown account_id `ghost`"),
            (3, "unknown account_id `ghost`")
        ]
    );
    assert_eq!(r.score("a1"), 1.0);
}

#[test]
fn contact_ids_join_exactly() {
    // C1 and " c1" are not c1 (exact, case-sensitive, untrimmed); c7's first
    // row (a1's) is kept, its duplicate for a2 rejected, so for a2's event
    // c7 is another account's contact.
    let data = Data::new()
        .account("a1", &[])
        .account("a2", &[])
        .contact("c1", "a1", &[("role", "champion")])
        .contact("c7", "a1", &[("role", "user")])
        .contact("c7", "a2", &[("role", "user")])
        .event("e1", "a1", "C1", &days_ago(1), &[])
        .event("e2", "a1", " c1", &days_ago(1), &[])
        .event("e3", "a1", "c1", &days_ago(1), &[])
        .event("e4", "a2", "c7", &days_ago(1), &[]);
    let r = run(
        &score_models(&[
            ("joined", "count(events where contact.role is not missing)"),
            ("engaged_n", "count(engaged)"),
            ("ids", "distinct(events.contact_id)"),
        ]),
        &data,
    );
    assert_eq!(r.value("joined", "a1"), 1.0);
    assert_eq!(r.value("engaged_n", "a1"), 1.0);
    assert_eq!(r.value("ids", "a1"), 3.0);
    assert_eq!(r.value("joined", "a2"), 0.0);
    assert_eq!(r.value("engaged_n", "a2"), 0.0);
    assert_eq!(r.session.data.summary.events_unknown_contact, 3);
    let reasons: Vec<&str> = r.rejects.rows.iter().map(|x| x.reason.as_str()).collect();
    assert_eq!(reasons.len(), 1, "{reasons:?}");
    assert!(reasons[0].contains("duplicate id `c7`"), "{reasons:?}");
}
