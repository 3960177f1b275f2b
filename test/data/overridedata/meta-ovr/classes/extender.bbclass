# d.overridedata read by event handlers, as meta-freescale's machine-overrides-extender.bbclass
# reads it: MACHINEOVERRIDES renamed and extended at ConfigParsed, every recipe whose variables
# carry a filtered-out override skipped at RecipeParsed.

def extended_overrides(d):
    machine = (d.getVar('PRISTINE_MACHINEOVERRIDES') or '').split(':')
    out = []
    for o in machine:
        ext = (d.getVar('EXTENDER:%s' % o) or '').split(':')
        out += [e for e in ext if e and e not in out and e not in machine]
        out.append(o)
    filtered = (d.getVar('FILTER_OUT') or '').split()
    return ':'.join(o for o in out if o not in filtered)

def overrides_seen(d):
    out = []
    for var in sorted(d.overridedata):
        if var.startswith('R_'):
            out.append('%s=[%s]' % (var, ','.join('%s|%s' % (r, o) for (r, o) in d.overridedata[var])))
    return ' '.join(out)

python extender_config() {
    d.renameVar("MACHINEOVERRIDES", "PRISTINE_MACHINEOVERRIDES")
    d.setVar("MACHINEOVERRIDES", "${@extended_overrides(d)}")
    d.setVar("R_CONFIG_SEEN", overrides_seen(d))
    d.setVar("R_CONFIG_HAS_MO", str("MACHINEOVERRIDES" in d.overridedata))
}
extender_config[eventmask] = "bb.event.ConfigParsed"
addhandler extender_config

python extender_filter() {
    filtered = (d.getVar('FILTER_OUT') or '').split()
    for var in d.overridedata:
        if var == 'EXTENDER':
            continue
        for (r, o) in d.overridedata[var]:
            common = sorted(set(o.split(':')).intersection(filtered))
            if common:
                raise bb.parse.SkipRecipe('override %s filtered out in %s' % (' '.join(common), r))
    d.setVar("R_SEEN", overrides_seen(d))
}
extender_filter[eventmask] = "bb.event.RecipeParsed"
addhandler extender_filter
