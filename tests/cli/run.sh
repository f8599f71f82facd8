#!/usr/bin/env bash
# tests/cli/run.sh [CASE...]: plays the `schemagate check` / `register` cases,
# tests/cli/cases/*.case (or the ones named), against $SG_BIN. Prints TAP.
# The case format is described in tests/cli/README.md.
#
# Each case runs in a scratch folder of its own that holds two links,
# schemas -> $SG_SRCDIR/schemas and files -> $SG_SRCDIR/tests/cli/files, so
# the paths a case gives and expects are short and stable. A case that uses
# the registry gets a fresh one (tests/lib.sh sg_start); it is stopped after
# the case.
. "${SG_SRCDIR:-.}/tests/lib.sh"

CLI_DIR=$SG_SRCDIR/tests/cli
command -v python3 >/dev/null || skip_all "python3 is not installed (the JSON checks need it)"
jsonget() { python3 "$CLI_DIR/jsonget.py" "$@"; }
# canon_want PATH WANT: the expected value as jsonget prints it (a count after
# "PATH#" and "<missing>" stay as written).
canon_want() {
	case $1:$2 in
	*'#':* | *:'<missing>') printf '%s' "$2" ;;
	*) jsonget --canon "$2" ;;
	esac
}

# subst TEXT: the placeholders of the case format, filled in.
subst() {
	local s=$1
	s=${s//\{\{url\}\}/$SG_URL}
	s=${s//\{\{hostport\}\}/127.0.0.1:$SG_PORT}
	printf '%s' "$s"
}

# setup_step WORK STEP: one "setup" line. Returns non-zero after a diagnostic.
setup_step() {
	local work=$1 step words st body type
	step=$(subst "$2")
	read -r -a words <<<"$step"
	case ${words[0]} in
	register) # register SUBJECT FILE [AVRO|JSON|PROTOBUF], straight through the REST API
		type=${words[3]:-}
		[ -z "$type" ] && case ${words[2]} in *.json) type=JSON ;; *.proto) type=PROTOBUF ;; *) type=AVRO ;; esac
		body=$(python3 -c 'import json,sys; print(json.dumps({"schema": open(sys.argv[1]).read(), "schemaType": sys.argv[2]}))' \
			"$work/${words[2]}" "$type") || return 1
		st=$(curl -s -o "$work/.setup.out" -w '%{http_code}' -X POST \
			-H 'Content-Type: application/vnd.schemaregistry.v1+json' --data-binary "$body" \
			"$SG_URL/subjects/${words[1]}/versions")
		[ "$st" = 200 ] || { diag "setup '$step': HTTP $st $(cat "$work/.setup.out")"; return 1; }
		;;
	config) # config SUBJECT LEVEL
		st=$(curl -s -o "$work/.setup.out" -w '%{http_code}' -X PUT \
			-H 'Content-Type: application/vnd.schemaregistry.v1+json' \
			--data-binary "{\"compatibility\":\"${words[2]}\"}" "$SG_URL/config/${words[1]}")
		[ "$st" = 200 ] || { diag "setup '$step': HTTP $st $(cat "$work/.setup.out")"; return 1; }
		;;
	copy) # copy SRC DEST (inside the scratch folder)
		cp "$work/${words[1]}" "$work/${words[2]}" || return 1
		;;
	sg) # sg ARGS...: schemagate itself, which must exit 0
		(cd "$work" && "$SG_BIN" "${words[@]:1}") >"$work/.setup.out" 2>&1 ||
			{ diag "setup '$step' failed: $(cat "$work/.setup.out")"; return 1; }
		;;
	*)
		diag "unknown setup step '${words[0]}'"
		return 1
		;;
	esac
}

# play FILE: runs one case and prints its assertions.
play() {
	local file=$1 name line key rest desc="" cmd="" want_exit="" err_re="" bug=""
	local -a setup=() envs=() out=() out_like=() jsons=() https=()
	local have_out=0 out_lines="" failed_before=$_tap_failed work rc words
	name=$(basename "$file" .case)
	while IFS= read -r line || [ -n "$line" ]; do
		case $line in '' | '#'*) continue ;; esac
		key=${line%% *}
		if [ "$key" = "$line" ]; then rest=""; else rest=${line#* }; fi
		case $key in
		desc) desc=$rest ;;
		setup) setup+=("$rest") ;;
		env) envs+=("$rest") ;;
		run) cmd=$rest ;;
		exit) want_exit=$rest ;;
		out) out+=("$rest"); have_out=1 ;;
		out-like) out_like+=("$rest") ;;
		out-lines) out_lines=$rest ;;
		json) jsons+=("$rest") ;;
		err) err_re=$rest ;;
		http) https+=("$rest") ;;
		bug) bug=$rest ;;
		*) not_ok "$name: unknown directive '$key'"; return ;;
		esac
	done <"$file"
	if [ -z "$cmd" ] || [ -z "$want_exit" ] || [ -z "$desc" ]; then
		not_ok "$name: the case has desc, run and exit lines"
		return
	fi
	diag "$name: $desc"

	work=$SG_TMP/case-$name
	mkdir -p "$work"
	ln -s "$SG_SRCDIR/schemas" "$work/schemas"
	ln -s "$CLI_DIR/files" "$work/files"
	SG_URL=http://registry.invalid SG_PORT=0
	if grep -qE '\{\{(url|hostport)\}\}|^setup (register|config|sg)|^http ' "$file"; then
		if ! sg_start; then
			not_ok "$name: a registry starts for the case"
			return
		fi
	fi
	for line in "${setup[@]}"; do
		if ! setup_step "$work" "$line"; then
			not_ok "$name: setup '$line'"
			sg_stop >/dev/null 2>&1
			return
		fi
	done

	read -r -a words <<<"$(subst "$cmd")"
	local -a envv=(-u SCHEMAGATE_REGISTRY -u SCHEMAGATE_FORMAT)
	for line in "${envs[@]}"; do envv+=("$(subst "$line")"); done
	(cd "$work" && env "${envv[@]}" "$SG_BIN" "${words[@]}") >"$work/.stdout" 2>"$work/.stderr"
	rc=$?
	is "$rc" "$want_exit" "$name: exit status $want_exit"

	# stdout
	if [ "$have_out" = 1 ]; then
		printf '%s\n' "${out[@]}" >"$work/.want"
		if cmp -s "$work/.want" "$work/.stdout"; then
			ok "$name: stdout is exactly the ${#out[@]} expected line(s)"
		else
			not_ok "$name: stdout is exactly the ${#out[@]} expected line(s)"
			diff -u "$work/.want" "$work/.stdout" | tail -n +3 | sed 's/^/#   /'
		fi
	elif [ ${#out_like[@]} -eq 0 ] && [ ${#jsons[@]} -eq 0 ] && [ -z "$out_lines" ]; then
		is "$(cat "$work/.stdout")" "" "$name: nothing on stdout"
	fi
	for line in "${out_like[@]}"; do
		line=$(subst "$line")
		if grep -Eq -- "$line" "$work/.stdout"; then
			ok "$name: a stdout line matches /$line/"
		else
			not_ok "$name: a stdout line matches /$line/"
			sed 's/^/#   stdout: /' "$work/.stdout" | head -20
		fi
	done
	[ -n "$out_lines" ] && is "$(grep -c '' "$work/.stdout")" "$out_lines" "$name: $out_lines line(s) on stdout"
	if [ ${#jsons[@]} -gt 0 ]; then
		if jsonget "$work/.stdout" . >/dev/null 2>"$work/.jerr"; then
			ok "$name: stdout is one JSON document"
		else
			not_ok "$name: stdout is one JSON document"
			sed 's/^/#   /' "$work/.jerr" "$work/.stdout" | head -20
		fi
	fi
	local path want got
	for line in "${jsons[@]}"; do
		path=${line%% *}
		want=${line#* }
		want=$(canon_want "$path" "$want")
		got=$(jsonget "$work/.stdout" "$path" 2>&1)
		is "$got" "$want" "$name: stdout JSON $path is $want"
	done

	# stderr: exactly one line matching, or nothing at all
	if [ -n "$err_re" ]; then
		err_re=$(subst "$err_re")
		is "$(grep -c '' "$work/.stderr")" 1 "$name: one line on stderr"
		like "$(cat "$work/.stderr")" "$err_re" "$name: stderr says why"
	else
		is "$(cat "$work/.stderr")" "" "$name: nothing on stderr"
	fi

	# the registry afterwards
	local url_path
	for line in "${https[@]}"; do
		read -r url_path path want <<<"$line"
		curl -s "$SG_URL$url_path" >"$work/.http"
		want=$(canon_want "$path" "$want")
		got=$(jsonget "$work/.http" "$path" 2>&1)
		is "$got" "$want" "$name: GET $url_path: $path is $want"
	done

	if [ "$_tap_failed" != "$failed_before" ] && [ -n "$bug" ]; then
		diag "$name: this case shows a known bug: $bug"
	fi
	if [ "$SG_PORT" != 0 ]; then
		sg_stop >/dev/null 2>&1
	fi
}

if [ $# -gt 0 ]; then
	for c in "$@"; do play "$c"; done
else
	found=0
	for c in "$CLI_DIR"/cases/*.case; do
		[ -f "$c" ] || continue
		found=1
		play "$c"
	done
	[ "$found" = 1 ] || not_ok "cases found in $CLI_DIR/cases"
fi
done_testing
