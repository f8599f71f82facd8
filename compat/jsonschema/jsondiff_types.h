/* compat/jsonschema/jsondiff_types.h: Confluent's Difference types (the
 * "errorType" of a finding), each with its verdict under the STRICT and
 * LENIENT policies, the description Confluent's Difference.error() prints
 * and a sentence of ours. Internal to the differ (jsondiff.c); the public
 * lookups by name, jsondiff_type_compatible() and jsondiff_describe(), are
 * declared in jsondiff.h and defined in jsondiff_types.c.
 */
#ifndef SG_JSONDIFF_TYPES_H
#define SG_JSONDIFF_TYPES_H

/* How Confluent's Difference.error() describes a type. */
enum jd_cat {
	C_NONE,     /* empty description */
	C_KW,       /* keyword present in one schema only */
	C_INC,      /* value increased */
	C_DEC,      /* value decreased */
	C_VCHG,     /* value changed */
	C_NARROW,   /* fewer elements */
	C_EXT,      /* more elements */
	C_TCHG,     /* type different */
	C_OPEN_ADD, /* added to an open content model */
	C_UNOPEN_REQ,
	C_CLOSED_REM,
	C_REM_NOT_COVERED,
	C_ADD_NOT_COVERED,
	C_RESERVED_REM,
	C_RESERVED_CONFLICT,
};

/* name, compatible under STRICT, compatible under LENIENT, description, sentence */
#define JD_TYPES(X)                                                                                \
	X(ID_CHANGED, 1, 1, C_NONE, "The $id changed.")                                            \
	X(DESCRIPTION_CHANGED, 1, 1, C_NONE, "The description changed.")                           \
	X(TITLE_CHANGED, 1, 1, C_NONE, "The title changed.")                                       \
	X(DEFAULT_CHANGED, 1, 1, C_NONE, "The default value changed.")                             \
	X(SCHEMA_ADDED, 0, 0, C_NONE,                                                              \
	  "A subschema was added where there was none, so values the old schema accepted may be "  \
	  "rejected.")                                                                             \
	X(SCHEMA_REMOVED, 1, 1, C_NONE, "A subschema was removed, so more values are accepted.")   \
	X(TYPE_EXTENDED, 1, 1, C_NONE, "The type was widened from integer to number.")             \
	X(TYPE_NARROWED, 0, 0, C_TCHG,                                                             \
	  "The type was narrowed from number to integer, so numbers with a fraction are "          \
	  "rejected.")                                                                             \
	X(TYPE_CHANGED, 0, 0, C_TCHG, "The type changed, so values of the old type are rejected.") \
	X(MAX_LENGTH_ADDED, 0, 0, C_KW, "maxLength was added, so longer strings are rejected.")    \
	X(MAX_LENGTH_REMOVED, 1, 1, C_NONE, "maxLength was removed.")                              \
	X(MAX_LENGTH_INCREASED, 1, 1, C_NONE, "maxLength was increased.")                          \
	X(MAX_LENGTH_DECREASED, 0, 0, C_DEC,                                                       \
	  "maxLength was decreased, so strings the old schema accepted may be too long.")          \
	X(MIN_LENGTH_ADDED, 0, 0, C_KW, "minLength was added, so shorter strings are rejected.")   \
	X(MIN_LENGTH_REMOVED, 1, 1, C_NONE, "minLength was removed.")                              \
	X(MIN_LENGTH_INCREASED, 0, 0, C_INC,                                                       \
	  "minLength was increased, so strings the old schema accepted may be too short.")         \
	X(MIN_LENGTH_DECREASED, 1, 1, C_NONE, "minLength was decreased.")                          \
	X(PATTERN_ADDED, 0, 0, C_KW,                                                               \
	  "A pattern was added, so strings the old schema accepted may not match.")                \
	X(PATTERN_REMOVED, 1, 1, C_NONE, "The pattern was removed.")                               \
	X(PATTERN_CHANGED, 0, 0, C_VCHG,                                                           \
	  "The pattern changed, so strings the old schema accepted may not match.")                \
	X(MAXIMUM_ADDED, 0, 0, C_KW, "maximum was added, so larger numbers are rejected.")         \
	X(MAXIMUM_REMOVED, 1, 1, C_NONE, "maximum was removed.")                                   \
	X(MAXIMUM_INCREASED, 1, 1, C_NONE, "maximum was increased.")                               \
	X(MAXIMUM_DECREASED, 0, 0, C_DEC,                                                          \
	  "maximum was decreased, so numbers the old schema accepted may be too large.")           \
	X(MINIMUM_ADDED, 0, 0, C_KW, "minimum was added, so smaller numbers are rejected.")        \
	X(MINIMUM_REMOVED, 1, 1, C_NONE, "minimum was removed.")                                   \
	X(MINIMUM_INCREASED, 0, 0, C_INC,                                                          \
	  "minimum was increased, so numbers the old schema accepted may be too small.")           \
	X(MINIMUM_DECREASED, 1, 1, C_NONE, "minimum was decreased.")                               \
	X(EXCLUSIVE_MAXIMUM_ADDED, 0, 0, C_KW,                                                     \
	  "exclusiveMaximum was added, so larger numbers are rejected.")                           \
	X(EXCLUSIVE_MAXIMUM_REMOVED, 1, 1, C_NONE, "exclusiveMaximum was removed.")                \
	X(EXCLUSIVE_MAXIMUM_INCREASED, 1, 1, C_NONE, "exclusiveMaximum was increased.")            \
	X(EXCLUSIVE_MAXIMUM_DECREASED, 0, 0, C_DEC,                                                \
	  "exclusiveMaximum was decreased, so numbers the old schema accepted may be too large.")  \
	X(EXCLUSIVE_MINIMUM_ADDED, 0, 0, C_KW,                                                     \
	  "exclusiveMinimum was added, so smaller numbers are rejected.")                          \
	X(EXCLUSIVE_MINIMUM_REMOVED, 1, 1, C_NONE, "exclusiveMinimum was removed.")                \
	X(EXCLUSIVE_MINIMUM_INCREASED, 0, 0, C_INC,                                                \
	  "exclusiveMinimum was increased, so numbers the old schema accepted may be too small.")  \
	X(EXCLUSIVE_MINIMUM_DECREASED, 1, 1, C_NONE, "exclusiveMinimum was decreased.")            \
	X(MULTIPLE_OF_ADDED, 0, 0, C_KW,                                                           \
	  "multipleOf was added, so numbers the old schema accepted may be rejected.")             \
	X(MULTIPLE_OF_REMOVED, 1, 1, C_NONE, "multipleOf was removed.")                            \
	X(MULTIPLE_OF_EXPANDED, 0, 0, C_INC,                                                       \
	  "multipleOf became a multiple of its old value, so numbers the old schema accepted may " \
	  "be rejected.")                                                                          \
	X(MULTIPLE_OF_REDUCED, 1, 1, C_NONE, "multipleOf became a divisor of its old value.")      \
	X(MULTIPLE_OF_CHANGED, 0, 0, C_VCHG,                                                       \
	  "multipleOf changed to a value that does not divide the old one, so numbers the old "    \
	  "schema accepted may be rejected.")                                                      \
	X(REQUIRED_ATTRIBUTE_ADDED, 0, 0, C_KW,                                                    \
	  "The property became required, so objects without it are rejected.")                     \
	X(REQUIRED_ATTRIBUTE_WITH_DEFAULT_ADDED, 1, 1, C_NONE,                                     \
	  "The property became required and has a default.")                                       \
	X(REQUIRED_ATTRIBUTE_REMOVED, 1, 1, C_NONE, "The property is no longer required.")         \
	X(MAX_PROPERTIES_ADDED, 0, 0, C_KW,                                                        \
	  "maxProperties was added, so objects with more properties are rejected.")                \
	X(MAX_PROPERTIES_REMOVED, 1, 1, C_NONE, "maxProperties was removed.")                      \
	X(MAX_PROPERTIES_INCREASED, 1, 1, C_NONE, "maxProperties was increased.")                  \
	X(MAX_PROPERTIES_DECREASED, 0, 0, C_DEC,                                                   \
	  "maxProperties was decreased, so objects the old schema accepted may have too many "     \
	  "properties.")                                                                           \
	X(MIN_PROPERTIES_ADDED, 0, 0, C_KW,                                                        \
	  "minProperties was added, so objects with fewer properties are rejected.")               \
	X(MIN_PROPERTIES_REMOVED, 1, 1, C_NONE, "minProperties was removed.")                      \
	X(MIN_PROPERTIES_INCREASED, 0, 0, C_INC,                                                   \
	  "minProperties was increased, so objects the old schema accepted may have too few "      \
	  "properties.")                                                                           \
	X(MIN_PROPERTIES_DECREASED, 1, 1, C_NONE, "minProperties was decreased.")                  \
	X(ADDITIONAL_PROPERTIES_ADDED, 1, 1, C_NONE,                                               \
	  "additionalProperties now allows any extra property.")                                   \
	X(ADDITIONAL_PROPERTIES_REMOVED, 0, 1, C_KW,                                               \
	  "additionalProperties became false, so objects with extra properties are rejected.")     \
	X(ADDITIONAL_PROPERTIES_EXTENDED, 1, 1, C_NONE,                                            \
	  "The additionalProperties schema was removed, so any extra property is allowed.")        \
	X(ADDITIONAL_PROPERTIES_NARROWED, 0, 1, C_NARROW,                                          \
	  "An additionalProperties schema was added, so extra properties the old schema accepted " \
	  "may be rejected.")                                                                      \
	X(DEPENDENCY_ARRAY_ADDED, 0, 0, C_KW,                                                      \
	  "A property dependency was added, so objects the old schema accepted may be rejected.")  \
	X(DEPENDENCY_ARRAY_REMOVED, 1, 1, C_NONE, "A property dependency was removed.")            \
	X(DEPENDENCY_ARRAY_EXTENDED, 0, 0, C_EXT,                                                  \
	  "A property dependency requires more properties, so objects the old schema accepted "    \
	  "may be rejected.")                                                                      \
	X(DEPENDENCY_ARRAY_NARROWED, 1, 1, C_NONE,                                                 \
	  "A property dependency requires fewer properties.")                                      \
	X(DEPENDENCY_ARRAY_CHANGED, 0, 0, C_VCHG,                                                  \
	  "A property dependency requires different properties, so objects the old schema "        \
	  "accepted may be rejected.")                                                             \
	X(DEPENDENCY_SCHEMA_ADDED, 0, 0, C_KW,                                                     \
	  "A schema dependency was added, so objects the old schema accepted may be rejected.")    \
	X(DEPENDENCY_SCHEMA_REMOVED, 1, 1, C_NONE, "A schema dependency was removed.")             \
	X(PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL, 0, 0, C_NONE,                                      \
	  "A property was added to an open content model.")                                        \
	X(REQUIRED_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL, 0, 0, C_OPEN_ADD,                         \
	  "A required property without a default was added, so objects without it are rejected.")  \
	X(REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_OPEN_CONTENT_MODEL, 0, 1, C_OPEN_ADD,            \
	  "A required property with a default was added where the old schema allowed any extra "   \
	  "property, so old objects may hold it with another type.")                               \
	X(OPTIONAL_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL, 0, 1, C_OPEN_ADD,                         \
	  "A property was added where the old schema allowed any extra property, so old objects "  \
	  "may hold it with another type.")                                                        \
	X(PROPERTY_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL, 1, 1, C_NONE,                    \
	  "A property that accepts anything was added to an open content model.")                  \
	X(REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL, 0, 0, C_UNOPEN_REQ,                     \
	  "A required property without a default was added, so objects without it are rejected.")  \
	X(REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_UNOPEN_CONTENT_MODEL, 1, 1, C_NONE,              \
	  "A required property with a default was added to a closed content model.")               \
	X(OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL, 1, 1, C_NONE,                           \
	  "An optional property was added to a closed content model.")                             \
	X(PROPERTY_REMOVED_FROM_OPEN_CONTENT_MODEL, 1, 1, C_NONE,                                  \
	  "A property was removed; the new schema allows any extra property.")                     \
	X(PROPERTY_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL, 1, 1, C_NONE,                     \
	  "A forbidden (false) property was removed from a closed content model.")                 \
	X(PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL, 0, 1, C_CLOSED_REM,                          \
	  "A property was removed and the new schema allows no extra properties, so objects "      \
	  "holding it are rejected.")                                                              \
	X(PROPERTY_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL, 1, 1, C_NONE,               \
	  "A property was removed; the new schema's patternProperties or additionalProperties "    \
	  "still accept it.")                                                                      \
	X(PROPERTY_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL, 0, 1, C_REM_NOT_COVERED,   \
	  "A property was removed and the new schema's patternProperties or additionalProperties " \
	  "do not accept its old values.")                                                         \
	X(PROPERTY_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL, 1, 1, C_NONE,                 \
	  "A property was added that the old schema's patternProperties or additionalProperties "  \
	  "already covered compatibly.")                                                           \
	X(PROPERTY_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL, 0, 1, C_ADD_NOT_COVERED,     \
	  "A property was added whose schema rejects values the old schema's patternProperties "   \
	  "or additionalProperties accepted.")                                                     \
	X(RESERVED_PROPERTY_REMOVED, 0, 0, C_RESERVED_REM,                                         \
	  "A reserved property was removed from the metadata.")                                    \
	X(RESERVED_PROPERTY_CONFLICTS_WITH_PROPERTY, 0, 0, C_RESERVED_CONFLICT,                    \
	  "A property conflicts with a reserved property.")                                        \
	X(UNEVALUATED_PROPERTIES_ADDED, 1, 1, C_NONE,                                              \
	  "unevaluatedProperties now allows any extra property.")                                  \
	X(UNEVALUATED_PROPERTIES_REMOVED, 0, 1, C_KW,                                              \
	  "unevaluatedProperties became false, so objects with extra properties are rejected.")    \
	X(UNEVALUATED_PROPERTIES_EXTENDED, 1, 1, C_NONE,                                           \
	  "The unevaluatedProperties schema was removed, so any extra property is allowed.")       \
	X(UNEVALUATED_PROPERTIES_NARROWED, 0, 1, C_NARROW,                                         \
	  "An unevaluatedProperties schema was added, so extra properties the old schema "         \
	  "accepted may be rejected.")                                                             \
	X(MAX_ITEMS_ADDED, 0, 0, C_KW, "maxItems was added, so longer arrays are rejected.")       \
	X(MAX_ITEMS_REMOVED, 1, 1, C_NONE, "maxItems was removed.")                                \
	X(MAX_ITEMS_INCREASED, 1, 1, C_NONE, "maxItems was increased.")                            \
	X(MAX_ITEMS_DECREASED, 0, 0, C_DEC,                                                        \
	  "maxItems was decreased, so arrays the old schema accepted may be too long.")            \
	X(MIN_ITEMS_ADDED, 0, 0, C_KW, "minItems was added, so shorter arrays are rejected.")      \
	X(MIN_ITEMS_REMOVED, 1, 1, C_NONE, "minItems was removed.")                                \
	X(MIN_ITEMS_INCREASED, 0, 0, C_INC,                                                        \
	  "minItems was increased, so arrays the old schema accepted may be too short.")           \
	X(MIN_ITEMS_DECREASED, 1, 1, C_NONE, "minItems was decreased.")                            \
	X(MAX_CONTAINS_ADDED, 0, 0, C_KW,                                                          \
	  "maxContains was added, so arrays the old schema accepted may be rejected.")             \
	X(MAX_CONTAINS_REMOVED, 1, 1, C_NONE, "maxContains was removed.")                          \
	X(MAX_CONTAINS_INCREASED, 1, 1, C_NONE, "maxContains was increased.")                      \
	X(MAX_CONTAINS_DECREASED, 0, 0, C_DEC,                                                     \
	  "maxContains was decreased, so arrays the old schema accepted may be rejected.")         \
	X(MIN_CONTAINS_ADDED, 0, 0, C_KW,                                                          \
	  "minContains was added, so arrays the old schema accepted may be rejected.")             \
	X(MIN_CONTAINS_REMOVED, 1, 1, C_NONE, "minContains was removed.")                          \
	X(MIN_CONTAINS_INCREASED, 0, 0, C_INC,                                                     \
	  "minContains was increased, so arrays the old schema accepted may be rejected.")         \
	X(MIN_CONTAINS_DECREASED, 1, 1, C_NONE, "minContains was decreased.")                      \
	X(UNIQUE_ITEMS_ADDED, 0, 0, C_KW,                                                          \
	  "uniqueItems was added, so arrays with duplicates are rejected.")                        \
	X(UNIQUE_ITEMS_REMOVED, 1, 1, C_NONE, "uniqueItems was removed.")                          \
	X(ADDITIONAL_ITEMS_ADDED, 1, 1, C_NONE, "Extra array items are now allowed.")              \
	X(ADDITIONAL_ITEMS_REMOVED, 0, 0, C_KW,                                                    \
	  "Extra array items are no longer allowed, so longer arrays are rejected.")               \
	X(ADDITIONAL_ITEMS_EXTENDED, 1, 1, C_NONE,                                                 \
	  "The schema for extra array items was removed, so any extra item is allowed.")           \
	X(ADDITIONAL_ITEMS_NARROWED, 0, 0, C_NARROW,                                               \
	  "A schema for extra array items was added, so extra items the old schema accepted may "  \
	  "be rejected.")                                                                          \
	X(UNEVALUATED_ITEMS_ADDED, 1, 1, C_NONE, "unevaluatedItems now allows any extra item.")    \
	X(UNEVALUATED_ITEMS_REMOVED, 0, 0, C_KW,                                                   \
	  "unevaluatedItems became false, so longer arrays are rejected.")                         \
	X(UNEVALUATED_ITEMS_EXTENDED, 1, 1, C_NONE,                                                \
	  "The unevaluatedItems schema was removed, so any extra item is allowed.")                \
	X(UNEVALUATED_ITEMS_NARROWED, 0, 0, C_NARROW,                                              \
	  "An unevaluatedItems schema was added, so extra items the old schema accepted may be "   \
	  "rejected.")                                                                             \
	X(ITEM_ADDED_TO_OPEN_CONTENT_MODEL, 0, 0, C_OPEN_ADD,                                      \
	  "A tuple item was added where the old schema allowed any extra item, so old arrays may " \
	  "hold another value there.")                                                             \
	X(ITEM_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL, 1, 1, C_NONE,                        \
	  "A tuple item that accepts anything was added to an open content model.")                \
	X(ITEM_ADDED_TO_CLOSED_CONTENT_MODEL, 1, 1, C_NONE,                                        \
	  "A tuple item was added where the old schema allowed no extra items.")                   \
	X(ITEM_REMOVED_FROM_OPEN_CONTENT_MODEL, 1, 1, C_NONE,                                      \
	  "A tuple item was removed; the new schema allows any extra item.")                       \
	X(ITEM_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL, 1, 1, C_NONE,                         \
	  "A forbidden (false) tuple item was removed from a closed content model.")               \
	X(ITEM_REMOVED_FROM_CLOSED_CONTENT_MODEL, 0, 0, C_CLOSED_REM,                              \
	  "A tuple item was removed and the new schema allows no extra items, so longer arrays "   \
	  "are rejected.")                                                                         \
	X(ITEM_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL, 1, 1, C_NONE,                   \
	  "A tuple item was removed; the new schema's schema for extra items still accepts it.")   \
	X(ITEM_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL, 0, 0, C_REM_NOT_COVERED,       \
	  "A tuple item was removed and the new schema's schema for extra items does not accept "  \
	  "its old values.")                                                                       \
	X(ITEM_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL, 1, 1, C_NONE,                     \
	  "A tuple item was added that the old schema's schema for extra items already covered "   \
	  "compatibly.")                                                                           \
	X(ITEM_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL, 0, 0, C_ADD_NOT_COVERED,         \
	  "A tuple item was added whose schema rejects values the old schema's schema for extra "  \
	  "items accepted.")                                                                       \
	X(ENUM_ARRAY_EXTENDED, 1, 1, C_NONE, "Values were added to the enum.")                     \
	X(ENUM_ARRAY_NARROWED, 0, 0, C_NARROW,                                                     \
	  "Values were removed from the enum, so they are rejected.")                              \
	X(ENUM_ARRAY_CHANGED, 0, 0, C_TCHG,                                                        \
	  "The enum or const values changed, so old values are rejected.")                         \
	X(COMBINED_TYPE_EXTENDED, 1, 1, C_NONE,                                                    \
	  "The combination keyword became less strict (for example oneOf to anyOf).")              \
	X(COMBINED_TYPE_CHANGED, 0, 0, C_TCHG,                                                     \
	  "The combination keyword changed (for example anyOf to oneOf), so values the old "       \
	  "schema accepted may be rejected.")                                                      \
	X(PRODUCT_TYPE_EXTENDED, 0, 0, C_EXT,                                                      \
	  "An allOf gained a subschema, so values the old schema accepted may be rejected.")       \
	X(PRODUCT_TYPE_NARROWED, 1, 1, C_NONE, "An allOf lost a subschema.")                       \
	X(SUM_TYPE_EXTENDED, 1, 1, C_EXT, "An anyOf or oneOf gained a subschema.")                 \
	X(SUM_TYPE_NARROWED, 0, 0, C_NARROW,                                                       \
	  "An anyOf or oneOf lost a subschema, so values only it accepted are rejected.")          \
	X(COMBINED_TYPE_SUBSCHEMAS_CHANGED, 0, 0, C_TCHG,                                          \
	  "Some subschemas of the combined schema have no compatible counterpart in the new "      \
	  "schema.")                                                                               \
	X(NOT_TYPE_EXTENDED, 0, 0, C_EXT,                                                          \
	  "The schema under \"not\" now excludes more values, so values the old schema accepted "  \
	  "may be rejected.")                                                                      \
	X(NOT_TYPE_NARROWED, 1, 1, C_NONE, "The schema under \"not\" now excludes fewer values.")

enum jd_type {
#define X(name, s, l, c, m) name,
	JD_TYPES(X)
#undef X
	    JD_TYPE_COUNT
};

/* The type's name as Confluent spells it ("TYPE_CHANGED"). */
const char *jd_type_name(int type);

/* A sentence saying what the change means for data. */
const char *jd_type_sentence(int type);

/* 1 when the type is compatible under the policy (LENIENT when `lenient`,
 * else STRICT), 0 when not. */
int jd_type_compatible(int type, int lenient);

#endif
