/* tests/unit/test_reserved.c: registry/reserved's names, in the order
 * Confluent reports them (a java.util.HashSet's). The expected orders were
 * printed by Java 17: Arrays.stream(p.split(",")).map(String::trim)
 * .filter(f -> !f.isEmpty()).collect(Collectors.toSet()). */
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "registry/reserved.h"
#include "tests/tap.h"

static const struct {
	const char *property;
	const char *java; /* the set as Java prints it */
} cases[] = {
    {"zeta,alpha,mid", "[zeta, alpha, mid]"},
    {" c, d ,,", "[c, d]"},
    {"d,c,e", "[c, d, e]"},
    {"c,c,c", "[c]"},
    /* 13 names: the set grows to 32 buckets */
    {"ssn,name,email,phone,address,dob,zip,city,state,country,ip,mac,card",
     "[zip, country, address, city, ip, mac, ssn, phone, dob, name, state, email, card]"},
    /* hashes over UTF-16 code units, a surrogate pair included */
    {"na\xc3\xafve,b,\xe6\x97\xa5\xe6\x9c\xac,\xf0\x9f\x98\x80x,a",
     "[a, b, \xf0\x9f\x98\x80x, na\xc3\xafve, \xe6\x97\xa5\xe6\x9c\xac]"},
    {"", "[]"},
};

int main(void)
{
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		json_t *meta =
		    json_pack("{s:{s:s}}", "properties", RESERVED_PROPERTY, cases[i].property);
		char *buf = NULL;
		const char *names[64];
		struct sg_error e = {0};
		int n = reserved_names(meta, &buf, names, 64, &e);
		char got[512] = "[";
		for (int k = 0; k < n; k++) {
			if (k)
				strcat(got, ", ");
			strcat(got, names[k]);
		}
		strcat(got, "]");
		tap_is_str(got, cases[i].java, "reserved names of \"%s\"", cases[i].property);
		free(buf);
		json_decref(meta);
	}
	struct sg_error e = {0};
	char *buf = NULL;
	const char *names[4];
	tap_is_int(reserved_names(NULL, &buf, names, 4, &e), 0, "no metadata: no names");
	return tap_done();
}
