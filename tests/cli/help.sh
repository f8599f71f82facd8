#!/usr/bin/env bash
# tests/cli/help.sh: the help of every subcommand that `schemagate help`
# lists, so that help cannot silently rot. For each command NAME:
#   - `schemagate NAME --help` exits 0, prints nothing on stderr, starts with
#     "Usage: schemagate NAME" and has an "Examples:" section;
#   - `schemagate help NAME` prints the same;
#   - every flag in its "Flags:" table is accepted by NAME's parser;
#   - every example line "schemagate CMD ..." names a listed command and uses
#     only flags that CMD's own help lists.
# Prints TAP.
. "${SG_SRCDIR:-.}/tests/lib.sh"

"$SG_BIN" help >"$SG_TMP/overview" 2>"$SG_TMP/overview.err"
is "$?" 0 "schemagate help exits 0"
is "$(cat "$SG_TMP/overview.err")" "" "schemagate help: nothing on stderr"
"$SG_BIN" --help >"$SG_TMP/overview2" 2>/dev/null
check "schemagate --help prints the same as schemagate help" cmp -s "$SG_TMP/overview" "$SG_TMP/overview2"
check "schemagate help has an Examples: section" grep -qx 'Examples:' "$SG_TMP/overview"

# The commands: the lines of the "Commands:" section, "  NAME  summary".
mapfile -t commands < <(sed -n '/^Commands:$/,/^$/{s/^  \([a-z][a-z0-9-]*\)  .*/\1/p}' "$SG_TMP/overview")
like "${#commands[@]}" '^[1-9][0-9]*$' "schemagate help lists commands (${commands[*]})"
for want in check register help version; do
	like " ${commands[*]} " " $want " "schemagate help lists '$want'"
done

# flags_of FILE: the flags of one help text's "Flags:" table, one per line as
# "--flag" or "--flag METAVAR" (the table is "  --flag [METAVAR]  help", or
# "  --flag [METAVAR]" alone on its line when too long for the column).
flags_of() {
	sed -n '/^Flags:$/,/^$/{s/^  \(--[a-z][a-z0-9-]*\)\( [^ ]\{1,\}\)\{0,1\}\(  .*\)\{0,1\}$/\1\2/p}' "$1"
}

# examples_of FILE: the example command lines of one help text.
examples_of() {
	sed -n '/^Examples\{0,1\}:$/,/^$/{s/^  //p}' "$1" | grep -E '^([A-Z_]+=[^ ]+ )*schemagate( |$)'
}

for c in "${commands[@]}"; do
	h=$SG_TMP/help.$c
	"$SG_BIN" "$c" --help >"$h" 2>"$h.err"
	is "$?" 0 "$c --help exits 0"
	is "$(cat "$h.err")" "" "$c --help: nothing on stderr"
	like "$(head -n 1 "$h")" "^Usage: schemagate $c( |$)" "$c --help starts with 'Usage: schemagate $c'"
	check "$c --help has an Examples: section" grep -qx 'Examples:' "$h"
	"$SG_BIN" help "$c" >"$h.2" 2>&1
	check "help $c prints the same as $c --help" cmp -s "$h" "$h.2"
	check "$c --help has a Flags: section" grep -qx 'Flags:' "$h"

	# Every flag the table lists is one the parser knows.
	while read -r flag meta; do
		[ "$flag" = --help ] && continue
		if [ -n "$meta" ]; then
			"$SG_BIN" "$c" "$flag" x --help >/dev/null 2>"$h.flag"
		else
			"$SG_BIN" "$c" "$flag" --help >/dev/null 2>"$h.flag"
		fi
		st=$?
		is "$st" 0 "$c: the listed flag $flag${meta:+ $meta} is accepted"
		[ "$st" = 0 ] || sed 's/^/#   /' "$h.flag"
	done < <(flags_of "$h")
done

# Every example names a real command and only that command's flags.
for c in "${commands[@]}"; do
	h=$SG_TMP/help.$c
	n=0
	while IFS= read -r ex; do
		n=$((n + 1))
		read -r -a words <<<"$ex"
		i=0
		while [[ ${words[$i]} == *=* ]]; do i=$((i + 1)); done
		sub=${words[$((i + 1))]:-}
		if [ -z "$sub" ] || [ ! -f "$SG_TMP/help.$sub" ]; then
			not_ok "$c --help example '$ex' names a listed command"
			continue
		fi
		known=$(flags_of "$SG_TMP/help.$sub" | cut -d' ' -f1)
		bad=""
		for w in "${words[@]:$((i + 2))}"; do
			case $w in
			--*) w=${w%%=*}; grep -qx -- "$w" <<<"$known" || bad="$bad $w" ;;
			esac
		done
		is "$bad" "" "$c --help example uses only flags '$sub' has: $ex"
	done < <(examples_of "$h")
	like "$n" '^[1-9]' "$c --help shows at least one 'schemagate ...' example"
done

done_testing
