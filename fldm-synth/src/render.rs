//! Names as recorded: the spelling of each part chosen per person.

use std::borrow::Cow;

use crate::cache::Tables;
use crate::household::{Fam, Names};
use crate::names::Origin;

/// Vornamen as recorded: given name(s), and the father's name in a chain.
pub(crate) fn render_vornamen(
    t: &Tables,
    o: &Origin,
    n: &Names,
    given_salt: u32,
    fam_salt: u32,
) -> Cow<'static, str> {
    let given = t.spell(n.given, given_salt, o.variant);
    if n.second.is_none() && !n.chain {
        return Cow::Borrowed(given);
    }
    let mut s = String::with_capacity(32);
    s.push_str(given);
    if let Some(second) = n.second {
        s.push(' ');
        s.push_str(t.spell(second, given_salt.rotate_left(11), o.variant));
    }
    if n.chain {
        s.push(' ');
        s.push_str(t.spell(n.father, fam_salt, o.variant));
    }
    Cow::Owned(s)
}

/// Familienname as recorded, or `None` if the person has none.
pub(crate) fn render_family(
    t: &Tables,
    o: &Origin,
    n: &Names,
    female: bool,
    salt: u32,
) -> Option<Cow<'static, str>> {
    let table = |i: usize| o.family_name(i, female);
    let spell = |s: &'static str, k: u32| t.spell(s, salt.rotate_left(k), o.variant);
    Some(match n.fam {
        Fam::None => return None,
        Fam::Table(i) => Cow::Borrowed(spell(table(i), 0)),
        Fam::Father => Cow::Borrowed(spell(n.father, 0)),
        Fam::Grandfather => Cow::Borrowed(spell(n.grandfather, 7)),
        Fam::FatherGrandfather => Cow::Owned(format!(
            "{} {}",
            spell(n.father, 0),
            spell(n.grandfather, 7)
        )),
        Fam::Double(a, b) => Cow::Owned(format!("{} {}", spell(table(a), 0), spell(table(b), 7))),
    })
}
