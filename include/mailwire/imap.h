/**
 * \file imap.h
 * \brief IMAP codec (RFC 3501, RFC 9051 and extensions): a streaming pull
 *        parser for both directions, typed response accessors, and
 *        serializers.
 *
 * ## Representation
 *
 * The parser turns each protocol unit (a response, a command, a
 * continuation request, a SASL line, an IDLE "DONE") into a *generic value
 * tree* stored in a per-unit arena bounded by the configured limits. The
 * tree is a flat array of #mw_imap_value in preorder: a node's first child
 * (if any) is the next element, and its next sibling is `v + v->subtree`.
 * No pointers are stored, so the arena can grow without fix-ups and a
 * whole unit is one contiguous array.
 *
 * Node types: atoms (which carry NIL and number flags), quoted strings
 * (already unescaped), literals (inline bytes, or only a length when they
 * were streamed as chunk events), parenthesised lists, fetch sections such
 * as `BODY[HEADER.FIELDS (FROM)]<0>`, response codes `[...]` and
 * free-form response text.
 *
 * On top of the tree, typed accessors (mw_imap_response_get(),
 * mw_imap_fetch_item_get(), mw_imap_envelope_get(), mw_imap_body_get(),
 * mw_imap_address_get(), mw_imap_code_get()) validate the grammar of
 * RFC 3501 / RFC 9051 section 9 and hand out pointers to the nodes that
 * hold each field. In a server stream the parser runs that validation on
 * every response before reporting it, so a malformed FETCH or
 * BODYSTRUCTURE is a syntax error with its stream offset. In a client
 * stream mw_imap_command_get() does the same for commands (type, UID
 * prefix, argument grammar including the search-key and fetch-attribute
 * grammars).
 *
 * ## Serializing
 *
 * mw_imap_unit_write() writes any unit (a parsed one, or one the caller
 * builds as a preorder array) canonically and refuses (#MW_E_ARG) what its
 * own parser would read differently; mw_imap_string_write() picks atom,
 * quoted string or literal for a string. serialize(parse(x)) parses back
 * to a unit equal under mw_imap_unit_equal().
 *
 * ## Literals
 *
 * A literal no longer than the in-memory maximum is stored in the arena
 * and appears inline in the tree. A larger one is reported as
 * #MW_IMAP_EV_LITERAL_BEGIN, any number of #MW_IMAP_EV_LITERAL_DATA
 * events whose data views point into the caller's input, and
 * #MW_IMAP_EV_LITERAL_END, all before the unit event; its node in the
 * tree then carries #MW_IMAP_VF_STREAMED and only the length. A 1 GB
 * FETCH body streams in constant memory.
 *
 * ## Lifetime
 *
 * Every view in an event (unit, tree, spans, literal data) stays valid
 * until the next call on the parser.
 */
#ifndef MAILWIRE_IMAP_H
#define MAILWIRE_IMAP_H

#include <stddef.h>
#include <stdint.h>

#include "mailwire/core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ */
/* Values                                                              */
/* ------------------------------------------------------------------ */

/** \brief Value type: a bare token (atom, number, flag, sequence set,
 *         NIL). */
#define MW_IMAP_V_ATOM 1u
/** \brief Value type: a quoted string; \c str is the unescaped content. */
#define MW_IMAP_V_QUOTED 2u
/** \brief Value type: a literal; \c str is its data unless streamed, and
 *         \c num its length. */
#define MW_IMAP_V_LITERAL 3u
/** \brief Value type: a parenthesised list; children follow in preorder. */
#define MW_IMAP_V_LIST 4u
/** \brief Value type: a fetch section `NAME[...]<partial>`; \c str is the
 *         name (e.g. "BODY.PEEK"), the children are the tokens between
 *         the brackets. */
#define MW_IMAP_V_SECTION 5u
/** \brief Value type: a response code `[NAME args]`; \c str is the name,
 *         the children are the arguments. */
#define MW_IMAP_V_CODE 6u
/** \brief Value type: human-readable response text (or a SASL line). */
#define MW_IMAP_V_TEXT 7u

/** \brief Value flag: an atom that reads NIL (any case). */
#define MW_IMAP_VF_NIL 0x01u
/** \brief Value flag: an atom of digits that fits 64 bits; \c num holds
 *         it. */
#define MW_IMAP_VF_NUMBER 0x02u
/** \brief Value flag: a LITERAL+ literal `{n+}` (RFC 7888). */
#define MW_IMAP_VF_LIT_PLUS 0x04u
/** \brief Value flag: a LITERAL- literal `{n-}` (RFC 7888). */
#define MW_IMAP_VF_LIT_MINUS 0x08u
/** \brief Value flag: a literal8 `~{n}` (RFC 3516). */
#define MW_IMAP_VF_LIT8 0x10u
/** \brief Value flag: the literal's bytes were delivered as chunk events;
 *         \c str is empty, \c num is the length. */
#define MW_IMAP_VF_STREAMED 0x20u
/** \brief Value flag: a section with a partial `<origin>`; \c num is the
 *         origin. */
#define MW_IMAP_VF_PARTIAL 0x40u
/** \brief Value flag: the partial also has a length `<origin.length>`;
 *         \c num2 is the length. */
#define MW_IMAP_VF_PARTIAL_LEN 0x80u

/**
 * \brief One node of a parsed unit (see the file comment for the layout).
 */
typedef struct mw_imap_value {
    mw_span str;      /**< Atom text, string content, section or code
                           name, response text. */
    uint64_t num;     /**< Number value, literal length, partial origin. */
    uint64_t num2;    /**< Partial length (#MW_IMAP_VF_PARTIAL_LEN). */
    uint64_t offset;  /**< Stream offset of the node's first byte. */
    uint32_t subtree; /**< Nodes in this subtree, itself included. */
    uint32_t count;   /**< Direct children. */
    uint8_t type;     /**< MW_IMAP_V_* */
    uint8_t flags;    /**< MW_IMAP_VF_* */
} mw_imap_value;

/**
 * \brief The \p i-th direct child of \p v.
 * \return The child, or NULL when \p v is NULL or has no such child.
 */
MW_API const mw_imap_value *mw_imap_value_child(const mw_imap_value *v,
                                                uint32_t i);

/**
 * \brief The node after \p v and its subtree (its next sibling when \p v
 *        is not the last child).
 * \return `v + v->subtree`; the caller knows from the parent's \c count
 *         whether that is still a sibling.
 */
MW_API const mw_imap_value *mw_imap_value_next(const mw_imap_value *v);

/** \brief Whether \p v is the atom NIL. \return 1 or 0. */
MW_API int mw_imap_value_is_nil(const mw_imap_value *v);

/** \brief Whether \p v is a string (quoted or literal). \return 1 or 0. */
MW_API int mw_imap_value_is_string(const mw_imap_value *v);

/**
 * \brief Whether \p v is an atom equal to \p word, ASCII case-insensitive.
 * \return 1 or 0.
 */
MW_API int mw_imap_value_is_atom(const mw_imap_value *v, const char *word);

/**
 * \brief Compare two subtrees: same types, flags that matter (NIL, literal8,
 *        streamed, partial), text (quoted and literal strings compare by
 *        content only) and structure. Stream offsets are ignored.
 * \return 1 when equal, else 0.
 */
MW_API int mw_imap_value_equal(const mw_imap_value *a, const mw_imap_value *b);

/* ------------------------------------------------------------------ */
/* Parser                                                              */
/* ------------------------------------------------------------------ */

/** \brief Parser flag: parse the client-to-server stream (commands).
 *         Without it the parser reads the server-to-client stream. */
#define MW_IMAP_PARSE_COMMANDS 0x1u
/** \brief Parser flag: UTF8=ACCEPT is in effect (RFC 6855 / RFC 9051).
 *         Passed to the validators; the lexer tolerates 8-bit quoted
 *         strings in every mode, and mw_imap_mailbox_decode() takes the
 *         mode as its own argument. */
#define MW_IMAP_PARSE_UTF8 0x2u
/** \brief Parser flag: report #MW_IMAP_EV_LITERAL_HEADER for every literal
 *         once its header is read (a server session answers synchronizing
 *         literals with a continuation request there). */
#define MW_IMAP_PARSE_LITERAL_HEADERS 0x4u
/** \brief Parser flag: do not validate responses or commands against the
 *         typed grammar (keep only the lexical layer). */
#define MW_IMAP_PARSE_NO_VALIDATE 0x8u

/** \brief Default longest line segment (bytes between literals). */
#define MW_IMAP_LINE_MAX_DEFAULT (1024u * 1024u)
/** \brief Default arena bound of one unit (text plus nodes). */
#define MW_IMAP_UNIT_MAX_DEFAULT (32u * 1024u * 1024u)
/** \brief Default most items in one list (and top-level items). */
#define MW_IMAP_LIST_MAX_DEFAULT 1000000u
/** \brief Default largest literal kept inline in the tree. */
#define MW_IMAP_INLINE_MAX_DEFAULT (64u * 1024u)

/**
 * \brief Parser settings. Zero-initialise, set \c size to
 *        sizeof(mw_imap_parser_config) and change what you need; a NULL
 *        config means a server-stream parser with all defaults.
 */
typedef struct mw_imap_parser_config {
    uint32_t size;           /**< sizeof(mw_imap_parser_config). */
    uint32_t flags;          /**< MW_IMAP_PARSE_* flags. */
    const mw_limits *limits; /**< imap_depth_max bounds list nesting,
                                  literal_max caps \c inline_max; NULL
                                  means defaults. */
    uint32_t line_max;       /**< Longest line segment (0: default). */
    uint32_t unit_max;       /**< Arena bytes per unit (0: default). */
    uint32_t list_max;       /**< Items per list (0: default). */
    uint32_t reserved;       /**< Must be 0. */
    uint64_t inline_max;     /**< Largest inline literal (0: default). */
    uint64_t literal_max;    /**< Largest literal accepted at all,
                                  streamed or not (0: no bound). */
} mw_imap_parser_config;

/** \brief Opaque streaming parser. */
typedef struct mw_imap_parser mw_imap_parser;

/** \brief Unit kind: a tagged status response (server stream). */
#define MW_IMAP_UNIT_TAGGED 1u
/** \brief Unit kind: an untagged response `* ...` (server stream). */
#define MW_IMAP_UNIT_UNTAGGED 2u
/** \brief Unit kind: a continuation request `+ ...` (server stream). */
#define MW_IMAP_UNIT_CONTINUATION 3u
/** \brief Unit kind: a command (client stream). */
#define MW_IMAP_UNIT_COMMAND 4u
/** \brief Unit kind: a SASL response line after AUTHENTICATE (client
 *         stream); one TEXT value holds the line ("*" cancels). */
#define MW_IMAP_UNIT_SASL 5u
/** \brief Unit kind: "DONE" ending IDLE (client stream); no values. */
#define MW_IMAP_UNIT_DONE 6u

/** \brief One parsed unit. */
typedef struct mw_imap_unit {
    uint32_t kind;               /**< MW_IMAP_UNIT_* */
    uint32_t n_top;              /**< Top-level values. */
    uint32_t n_values;           /**< All nodes of \c values. */
    uint32_t reserved;           /**< 0. */
    mw_span tag;                 /**< Tag (tagged response, command). */
    const mw_imap_value *values; /**< Preorder node array. */
    uint64_t offset;             /**< Stream offset of the first byte. */
    uint64_t end;                /**< Stream offset of its line end. */
} mw_imap_unit;

/** \brief Response type (mw_imap_response::type). */
typedef enum mw_imap_rtype {
    MW_IMAP_R_UNKNOWN = 0,  /**< Untagged data not known to mailwire. */
    MW_IMAP_R_OK,           /**< OK status. */
    MW_IMAP_R_NO,           /**< NO status. */
    MW_IMAP_R_BAD,          /**< BAD status. */
    MW_IMAP_R_PREAUTH,      /**< PREAUTH greeting. */
    MW_IMAP_R_BYE,          /**< BYE. */
    MW_IMAP_R_CONTINUATION, /**< Continuation request. */
    MW_IMAP_R_CAPABILITY,   /**< CAPABILITY atoms. */
    MW_IMAP_R_LIST,         /**< LIST. */
    MW_IMAP_R_LSUB,         /**< LSUB. */
    MW_IMAP_R_STATUS,       /**< STATUS. */
    MW_IMAP_R_SEARCH,       /**< SEARCH. */
    MW_IMAP_R_ESEARCH,      /**< ESEARCH (RFC 4731). */
    MW_IMAP_R_FLAGS,        /**< FLAGS. */
    MW_IMAP_R_EXISTS,       /**< n EXISTS. */
    MW_IMAP_R_RECENT,       /**< n RECENT. */
    MW_IMAP_R_EXPUNGE,      /**< n EXPUNGE. */
    MW_IMAP_R_FETCH,        /**< n FETCH. */
    MW_IMAP_R_VANISHED,     /**< VANISHED (RFC 7162). */
    MW_IMAP_R_NAMESPACE,    /**< NAMESPACE (RFC 2342). */
    MW_IMAP_R_ENABLED,      /**< ENABLED (RFC 5161). */
    MW_IMAP_R_ID,           /**< ID (RFC 2971). */
    MW_IMAP_R_QUOTA,        /**< QUOTA (RFC 9208). */
    MW_IMAP_R_QUOTAROOT,    /**< QUOTAROOT (RFC 9208). */
    MW_IMAP_R_SORT,         /**< SORT (RFC 5256). */
    MW_IMAP_R_THREAD        /**< THREAD (RFC 5256). */
} mw_imap_rtype;

/** \brief Response code type (mw_imap_code::type). */
typedef enum mw_imap_ctype {
    MW_IMAP_C_NONE = 0,             /**< No code. */
    MW_IMAP_C_UNKNOWN,              /**< A code not known here (kept). */
    MW_IMAP_C_ALERT,                /**< ALERT. */
    MW_IMAP_C_CAPABILITY,           /**< CAPABILITY atoms. */
    MW_IMAP_C_PERMANENTFLAGS,       /**< PERMANENTFLAGS (list). */
    MW_IMAP_C_READ_ONLY,            /**< READ-ONLY. */
    MW_IMAP_C_READ_WRITE,           /**< READ-WRITE. */
    MW_IMAP_C_TRYCREATE,            /**< TRYCREATE. */
    MW_IMAP_C_UIDNEXT,              /**< UIDNEXT n. */
    MW_IMAP_C_UIDVALIDITY,          /**< UIDVALIDITY n. */
    MW_IMAP_C_UNSEEN,               /**< UNSEEN n. */
    MW_IMAP_C_APPENDUID,            /**< APPENDUID validity uid-set. */
    MW_IMAP_C_COPYUID,              /**< COPYUID validity set set. */
    MW_IMAP_C_HIGHESTMODSEQ,        /**< HIGHESTMODSEQ n. */
    MW_IMAP_C_NOMODSEQ,             /**< NOMODSEQ. */
    MW_IMAP_C_MODIFIED,             /**< MODIFIED set. */
    MW_IMAP_C_CLOSED,               /**< CLOSED. */
    MW_IMAP_C_BADCHARSET,           /**< BADCHARSET [(charsets)]. */
    MW_IMAP_C_PARSE,                /**< PARSE. */
    MW_IMAP_C_UIDNOTSTICKY,         /**< UIDNOTSTICKY. */
    MW_IMAP_C_UNAVAILABLE,          /**< RFC 5530 UNAVAILABLE. */
    MW_IMAP_C_AUTHENTICATIONFAILED, /**< RFC 5530. */
    MW_IMAP_C_AUTHORIZATIONFAILED,  /**< RFC 5530. */
    MW_IMAP_C_EXPIRED,              /**< RFC 5530. */
    MW_IMAP_C_PRIVACYREQUIRED,      /**< RFC 5530. */
    MW_IMAP_C_CONTACTADMIN,         /**< RFC 5530. */
    MW_IMAP_C_NOPERM,               /**< RFC 5530. */
    MW_IMAP_C_INUSE,                /**< RFC 5530. */
    MW_IMAP_C_EXPUNGEISSUED,        /**< RFC 5530. */
    MW_IMAP_C_CORRUPTION,           /**< RFC 5530. */
    MW_IMAP_C_SERVERBUG,            /**< RFC 5530. */
    MW_IMAP_C_CLIENTBUG,            /**< RFC 5530. */
    MW_IMAP_C_CANNOT,               /**< RFC 5530. */
    MW_IMAP_C_LIMIT,                /**< RFC 5530. */
    MW_IMAP_C_OVERQUOTA,            /**< RFC 5530. */
    MW_IMAP_C_ALREADYEXISTS,        /**< RFC 5530. */
    MW_IMAP_C_NONEXISTENT,          /**< RFC 5530. */
    MW_IMAP_C_HASCHILDREN,          /**< RFC 9051 HASCHILDREN. */
    MW_IMAP_C_COMPRESSIONACTIVE,    /**< RFC 4978. */
    MW_IMAP_C_UNKNOWN_CTE           /**< RFC 3516 UNKNOWN-CTE. */
} mw_imap_ctype;

/** \brief A decoded response code. */
typedef struct mw_imap_code {
    uint32_t type;             /**< mw_imap_ctype. */
    uint32_t n_args;           /**< Arguments after the name. */
    mw_span name;              /**< The name as sent. */
    uint64_t number;           /**< UIDNEXT, UIDVALIDITY, UNSEEN,
                                    HIGHESTMODSEQ value; the UIDVALIDITY of
                                    APPENDUID / COPYUID. */
    const mw_imap_value *args; /**< First argument node or NULL. */
} mw_imap_code;

/** \brief A classified response (server stream). */
typedef struct mw_imap_response {
    uint32_t type;             /**< mw_imap_rtype. */
    uint32_t kind;             /**< MW_IMAP_UNIT_TAGGED / UNTAGGED /
                                    CONTINUATION. */
    mw_span tag;               /**< Tag of a tagged response. */
    mw_span name;              /**< Status word or data keyword as sent. */
    uint64_t number;           /**< The n of `* n EXISTS|RECENT|EXPUNGE|
                                    FETCH`. */
    mw_imap_code code;         /**< Response code of a status or
                                    continuation (type NONE if absent). */
    mw_span text;              /**< Human text of a status / continuation. */
    const mw_imap_value *args; /**< First value after the keyword, or NULL. */
    uint32_t n_args;           /**< Top-level values after the keyword. */
    uint32_t reserved;         /**< 0. */
} mw_imap_response;

/** \brief Where and why parsing failed. */
typedef struct mw_imap_error {
    uint64_t offset;      /**< Stream offset of the offending byte. */
    const char *expected; /**< Static description, e.g. "')'"; "" if
                               none. */
} mw_imap_error;

/** \brief Command type (mw_imap_command::type). */
typedef enum mw_imap_cmdtype {
    MW_IMAP_CMD_UNKNOWN = 0,  /**< Not known here; arguments kept. */
    MW_IMAP_CMD_CAPABILITY,   /**< CAPABILITY. */
    MW_IMAP_CMD_NOOP,         /**< NOOP. */
    MW_IMAP_CMD_LOGOUT,       /**< LOGOUT. */
    MW_IMAP_CMD_STARTTLS,     /**< STARTTLS. */
    MW_IMAP_CMD_AUTHENTICATE, /**< AUTHENTICATE mech [initial-response]. */
    MW_IMAP_CMD_LOGIN,        /**< LOGIN user password. */
    MW_IMAP_CMD_ENABLE,       /**< ENABLE capabilities (RFC 5161). */
    MW_IMAP_CMD_SELECT,       /**< SELECT mailbox [(params)]. */
    MW_IMAP_CMD_EXAMINE,      /**< EXAMINE mailbox [(params)]. */
    MW_IMAP_CMD_CREATE,       /**< CREATE mailbox [(params)]. */
    MW_IMAP_CMD_DELETE,       /**< DELETE mailbox. */
    MW_IMAP_CMD_RENAME,       /**< RENAME from to [(params)]. */
    MW_IMAP_CMD_SUBSCRIBE,    /**< SUBSCRIBE mailbox. */
    MW_IMAP_CMD_UNSUBSCRIBE,  /**< UNSUBSCRIBE mailbox. */
    MW_IMAP_CMD_LIST,         /**< LIST (RFC 5258 selection / return). */
    MW_IMAP_CMD_LSUB,         /**< LSUB reference pattern. */
    MW_IMAP_CMD_NAMESPACE,    /**< NAMESPACE. */
    MW_IMAP_CMD_STATUS,       /**< STATUS mailbox (items). */
    MW_IMAP_CMD_APPEND,       /**< APPEND (MULTIAPPEND, flags, date). */
    MW_IMAP_CMD_IDLE,         /**< IDLE (RFC 2177). */
    MW_IMAP_CMD_CHECK,        /**< CHECK (RFC 3501). */
    MW_IMAP_CMD_CLOSE,        /**< CLOSE. */
    MW_IMAP_CMD_UNSELECT,     /**< UNSELECT. */
    MW_IMAP_CMD_EXPUNGE,      /**< EXPUNGE, or UID EXPUNGE set. */
    MW_IMAP_CMD_SEARCH,       /**< SEARCH [RETURN] [CHARSET] keys. */
    MW_IMAP_CMD_FETCH,        /**< FETCH set atts [(modifiers)]. */
    MW_IMAP_CMD_STORE,        /**< STORE set [(modifiers)] item flags. */
    MW_IMAP_CMD_COPY,         /**< COPY set mailbox. */
    MW_IMAP_CMD_MOVE,         /**< MOVE set mailbox (RFC 6851). */
    MW_IMAP_CMD_ID,           /**< ID (RFC 2971). */
    MW_IMAP_CMD_COMPRESS,     /**< COMPRESS mechanism (RFC 4978). */
    MW_IMAP_CMD_GETQUOTA,     /**< GETQUOTA root (RFC 9208). */
    MW_IMAP_CMD_GETQUOTAROOT, /**< GETQUOTAROOT mailbox (RFC 9208). */
    MW_IMAP_CMD_SETQUOTA,     /**< SETQUOTA root (limits) (RFC 9208). */
    MW_IMAP_CMD_SORT,         /**< SORT (criteria) charset keys. */
    MW_IMAP_CMD_THREAD        /**< THREAD algorithm charset keys. */
} mw_imap_cmdtype;

/** \brief A classified command (client stream). */
typedef struct mw_imap_command {
    uint32_t type;             /**< mw_imap_cmdtype. */
    uint32_t uid;              /**< 1 when prefixed by UID. */
    mw_span tag;               /**< The tag. */
    mw_span name;              /**< Command name as sent (after UID). */
    const mw_imap_value *args; /**< First argument, or NULL. */
    uint32_t n_args;           /**< Top-level arguments. */
    uint32_t reserved;         /**< 0. */
} mw_imap_command;

/**
 * \brief Classify and validate a client-stream unit against the command
 *        grammar of RFC 9051 section 9 and the extensions listed with
 *        #mw_imap_cmdtype. SASL lines and DONE are not commands.
 * \param u The unit (kind #MW_IMAP_UNIT_COMMAND).
 * \param flags MW_IMAP_PARSE_UTF8 or 0.
 * \param c Receives the command; views point into \p u.
 * \param err Optional; receives the offset and expected item on error.
 * \return #MW_OK, #MW_E_SYNTAX, #MW_E_ARG.
 */
MW_API mw_status mw_imap_command_get(const mw_imap_unit *u, uint32_t flags,
                                     mw_imap_command *c, mw_imap_error *err);

/** \brief Event: a complete unit (\c unit, and \c response in a server
 *         stream). */
#define MW_IMAP_EV_UNIT 1u
/** \brief Event: a literal to be streamed starts (\c literal_len,
 *         \c literal_flags, \c literal_value). */
#define MW_IMAP_EV_LITERAL_BEGIN 2u
/** \brief Event: the next bytes of a streamed literal (\c data, a view of
 *         the caller's input). */
#define MW_IMAP_EV_LITERAL_DATA 3u
/** \brief Event: the streamed literal ended. */
#define MW_IMAP_EV_LITERAL_END 4u
/** \brief Event: a literal header was read (only with
 *         #MW_IMAP_PARSE_LITERAL_HEADERS); its data follows. */
#define MW_IMAP_EV_LITERAL_HEADER 5u

/** \brief What mw_imap_parser_feed() reports. */
typedef struct mw_imap_event {
    uint32_t type;             /**< MW_IMAP_EV_* */
    uint32_t literal_flags;    /**< MW_IMAP_VF_LIT_* of the literal. */
    uint32_t literal_value;    /**< Index in the unit's node array that
                                    the literal will have. */
    uint32_t reserved;         /**< 0. */
    uint64_t literal_len;      /**< Literal length (LITERAL_* events). */
    mw_span data;              /**< Literal bytes (LITERAL_DATA). */
    mw_imap_unit unit;         /**< The unit (MW_IMAP_EV_UNIT). */
    mw_imap_response response; /**< Classification (MW_IMAP_EV_UNIT in a
                                    server stream without
                                    #MW_IMAP_PARSE_NO_VALIDATE). */
    mw_imap_command command;   /**< Classification (MW_IMAP_EV_UNIT of kind
                                    #MW_IMAP_UNIT_COMMAND without
                                    #MW_IMAP_PARSE_NO_VALIDATE). */
} mw_imap_event;

/**
 * \brief Create a parser.
 * \param cfg Settings, or NULL for a server-stream parser with defaults.
 * \param alloc Allocator, or NULL for libc; must outlive the parser.
 * \param out Receives the parser.
 * \return #MW_OK, #MW_E_ARG (NULL \p out, bad config), #MW_E_NOMEM.
 */
MW_API mw_status mw_imap_parser_new(const mw_imap_parser_config *cfg,
                                    const mw_allocator *alloc,
                                    mw_imap_parser **out);

/** \brief Bytes needed by mw_imap_parser_init_in(). \return The size. */
MW_API size_t mw_imap_parser_sizeof(void);

/**
 * \brief Place a parser in caller memory \p mem of \p len bytes (at least
 *        mw_imap_parser_sizeof(), suitably aligned). The arena still grows
 *        through \p alloc.
 * \return #MW_OK, #MW_E_ARG (too small, NULL), #MW_E_NOMEM.
 */
MW_API mw_status mw_imap_parser_init_in(void *mem, size_t len,
                                        const mw_imap_parser_config *cfg,
                                        const mw_allocator *alloc,
                                        mw_imap_parser **out);

/** \brief Release a parser (either kind); NULL is a no-op. */
MW_API void mw_imap_parser_free(mw_imap_parser *p);

/**
 * \brief Feed bytes; stop at the first event.
 * \param p The parser.
 * \param data Input bytes (may be NULL when \p len is 0).
 * \param len Number of bytes.
 * \param consumed Receives how many bytes were used.
 * \param ev Receives the event on #MW_OK; its views stay valid until the
 *        next call on \p p.
 * \return #MW_OK (event ready; feed `data + *consumed` next),
 *         #MW_NEED_MORE (all consumed, no event), #MW_E_SYNTAX (see
 *         mw_imap_parser_error()), #MW_E_LIMIT, #MW_E_NOMEM, #MW_E_ARG.
 *         After an error every call returns the same error.
 */
MW_API mw_status mw_imap_parser_feed(mw_imap_parser *p, const void *data,
                                     size_t len, size_t *consumed,
                                     mw_imap_event *ev);

/**
 * \brief The error of the last failed feed.
 * \param p The parser.
 * \param err Receives the stream offset and the expected-item text.
 */
MW_API void mw_imap_parser_error(const mw_imap_parser *p, mw_imap_error *err);

/**
 * \brief Whether the parser is between units (no partial unit buffered).
 * \return 1 or 0.
 */
MW_API int mw_imap_parser_idle(const mw_imap_parser *p);

/* ------------------------------------------------------------------ */
/* Typed responses                                                     */
/* ------------------------------------------------------------------ */

/**
 * \brief Classify and validate a server-stream unit.
 * \param u The unit.
 * \param flags MW_IMAP_PARSE_UTF8 or 0.
 * \param r Receives the response; views point into \p u.
 * \param err Optional; receives the offset and expected item on error.
 * \return #MW_OK, #MW_E_SYNTAX, #MW_E_ARG.
 */
MW_API mw_status mw_imap_response_get(const mw_imap_unit *u, uint32_t flags,
                                      mw_imap_response *r, mw_imap_error *err);

/**
 * \brief Decode a response code node (type MW_IMAP_V_CODE).
 * \return #MW_OK, #MW_E_SYNTAX (wrong arguments for a known code; \p err
 *         set when not NULL), #MW_E_ARG.
 */
MW_API mw_status mw_imap_code_get(const mw_imap_value *v, mw_imap_code *c,
                                  mw_imap_error *err);

/** \brief Fetch attribute (mw_imap_fetch_item::att). */
typedef enum mw_imap_fatt {
    MW_IMAP_FA_UNKNOWN = 0,   /**< Not known here; value kept. */
    MW_IMAP_FA_FLAGS,         /**< FLAGS (list). */
    MW_IMAP_FA_UID,           /**< UID number. */
    MW_IMAP_FA_INTERNALDATE,  /**< INTERNALDATE string. */
    MW_IMAP_FA_RFC822_SIZE,   /**< RFC822.SIZE number. */
    MW_IMAP_FA_MODSEQ,        /**< MODSEQ (n). */
    MW_IMAP_FA_ENVELOPE,      /**< ENVELOPE. */
    MW_IMAP_FA_BODYSTRUCTURE, /**< BODYSTRUCTURE (with extension data). */
    MW_IMAP_FA_BODY,          /**< BODY without section (no extensions). */
    MW_IMAP_FA_BODY_SECTION,  /**< BODY[section]\<origin\> nstring. */
    MW_IMAP_FA_BINARY,        /**< BINARY[section]\<origin\> nstring. */
    MW_IMAP_FA_BINARY_SIZE,   /**< BINARY.SIZE[section] number. */
    MW_IMAP_FA_RFC822,        /**< RFC822 nstring. */
    MW_IMAP_FA_RFC822_HEADER, /**< RFC822.HEADER nstring. */
    MW_IMAP_FA_RFC822_TEXT    /**< RFC822.TEXT nstring. */
} mw_imap_fatt;

/** \brief One attribute of a FETCH response. */
typedef struct mw_imap_fetch_item {
    uint32_t att;               /**< mw_imap_fatt. */
    uint32_t reserved;          /**< 0. */
    const mw_imap_value *name;  /**< Atom or SECTION node. */
    const mw_imap_value *value; /**< The value node. */
    uint64_t number;            /**< UID, RFC822.SIZE, MODSEQ,
                                     BINARY.SIZE. */
} mw_imap_fetch_item;

/**
 * \brief The \p i-th attribute of the FETCH list \p list.
 * \return #MW_OK, #MW_DONE (no such item), #MW_E_SYNTAX (\p err set when
 *         not NULL), #MW_E_ARG.
 */
MW_API mw_status mw_imap_fetch_item_get(const mw_imap_value *list, uint32_t i,
                                        mw_imap_fetch_item *item,
                                        mw_imap_error *err);

/** \brief A decoded ENVELOPE: every field is a node (nstring or address
 *         list, NIL where absent). */
typedef struct mw_imap_envelope {
    const mw_imap_value *date;        /**< env-date nstring. */
    const mw_imap_value *subject;     /**< env-subject nstring. */
    const mw_imap_value *from;        /**< Address list or NIL. */
    const mw_imap_value *sender;      /**< Address list or NIL. */
    const mw_imap_value *reply_to;    /**< Address list or NIL. */
    const mw_imap_value *to;          /**< Address list or NIL. */
    const mw_imap_value *cc;          /**< Address list or NIL. */
    const mw_imap_value *bcc;         /**< Address list or NIL. */
    const mw_imap_value *in_reply_to; /**< nstring. */
    const mw_imap_value *message_id;  /**< nstring. */
} mw_imap_envelope;

/**
 * \brief Decode an ENVELOPE list.
 * \return #MW_OK, #MW_E_SYNTAX (\p err set when not NULL), #MW_E_ARG.
 */
MW_API mw_status mw_imap_envelope_get(const mw_imap_value *v,
                                      mw_imap_envelope *e, mw_imap_error *err);

/** \brief A decoded address: four nstring nodes. A group start has a NIL
 *         host and the group name in \c mailbox; a group end has NIL
 *         mailbox and host. */
typedef struct mw_imap_address {
    const mw_imap_value *name;    /**< addr-name. */
    const mw_imap_value *adl;     /**< addr-adl (source route). */
    const mw_imap_value *mailbox; /**< addr-mailbox. */
    const mw_imap_value *host;    /**< addr-host. */
} mw_imap_address;

/**
 * \brief Decode one address list element.
 * \return #MW_OK, #MW_E_SYNTAX (\p err set when not NULL), #MW_E_ARG.
 */
MW_API mw_status mw_imap_address_get(const mw_imap_value *v, mw_imap_address *a,
                                     mw_imap_error *err);

/** \brief A decoded BODY / BODYSTRUCTURE part. Node pointers are NULL when
 *         the field is absent (extension data is optional). */
typedef struct mw_imap_body {
    int multipart;                    /**< 1 for a multipart. */
    uint32_t n_parts;                 /**< Child bodies of a multipart. */
    const mw_imap_value *parts;       /**< First child body (iterate with
                                           mw_imap_value_next()). */
    const mw_imap_value *type;        /**< media type (string), or NULL for
                                           a multipart. */
    const mw_imap_value *subtype;     /**< media subtype string. */
    const mw_imap_value *params;      /**< body-fld-param: list or NIL. */
    const mw_imap_value *id;          /**< body-fld-id nstring. */
    const mw_imap_value *description; /**< body-fld-desc nstring. */
    const mw_imap_value *encoding;    /**< body-fld-enc string. */
    const mw_imap_value *octets;      /**< body-fld-octets number. */
    const mw_imap_value *envelope;    /**< message/rfc822: envelope. */
    const mw_imap_value *body;        /**< message/rfc822: inner body. */
    const mw_imap_value *lines;       /**< text/ and message/rfc822:
                                           body-fld-lines. */
    const mw_imap_value *md5;         /**< Single-part extension: MD5. */
    const mw_imap_value *disposition; /**< Extension: disposition. */
    const mw_imap_value *language;    /**< Extension: language. */
    const mw_imap_value *location;    /**< Extension: location. */
    const mw_imap_value *extension;   /**< Further body-extension values. */
    uint32_t n_extension;             /**< How many further values. */
} mw_imap_body;

/**
 * \brief Decode one body part (and validate its whole subtree).
 * \return #MW_OK, #MW_E_SYNTAX (\p err set when not NULL), #MW_E_ARG.
 */
MW_API mw_status mw_imap_body_get(const mw_imap_value *v, mw_imap_body *b,
                                  mw_imap_error *err);

/* ------------------------------------------------------------------ */
/* Helpers: sequence sets, dates, mailbox names                        */
/* ------------------------------------------------------------------ */

/** \brief One range of a sequence set; 0 stands for `*`. */
typedef struct mw_imap_range {
    uint32_t lo; /**< First number (or 0 for `*`). */
    uint32_t hi; /**< Last number (equal to lo for a single number). */
} mw_imap_range;

/**
 * \brief Parse a sequence set ("1,3:5,7:*") or "$" (RFC 5182).
 * \param s Text.
 * \param len Its length.
 * \param ranges Receives up to \p max ranges (may be NULL to count).
 * \param max Capacity of \p ranges.
 * \param n_out Receives the number of ranges (0 for "$").
 * \param dollar_out Optional; receives 1 for "$", else 0.
 * \return #MW_OK, #MW_E_SYNTAX, #MW_E_LIMIT (more than \p max ranges),
 *         #MW_E_ARG.
 */
MW_API mw_status mw_imap_seqset_parse(const char *s, size_t len,
                                      mw_imap_range *ranges, size_t max,
                                      size_t *n_out, int *dollar_out);

/**
 * \brief Write a sequence set.
 * \return #MW_OK, #MW_E_ARG (no ranges, NULL), #MW_E_NOSPACE, #MW_E_NOMEM.
 */
MW_API mw_status mw_imap_seqset_write(const mw_imap_range *ranges, size_t n,
                                      mw_buf *out);

/** \brief An IMAP date or date-time. */
typedef struct mw_imap_datetime {
    uint16_t year;    /**< Four-digit year. */
    uint8_t month;    /**< 1..12. */
    uint8_t day;      /**< 1..31. */
    uint8_t hour;     /**< 0..23 (0 for a date). */
    uint8_t minute;   /**< 0..59. */
    uint8_t second;   /**< 0..60. */
    uint8_t has_time; /**< 1 for a date-time. */
    int16_t zone;     /**< Offset from UTC in minutes. */
} mw_imap_datetime;

/**
 * \brief Parse a date-time "dd-Mon-yyyy hh:mm:ss +zzzz" (day may be
 *        " d"), without its quotes.
 * \return #MW_OK, #MW_E_SYNTAX, #MW_E_ARG.
 */
MW_API mw_status mw_imap_datetime_parse(const char *s, size_t len,
                                        mw_imap_datetime *dt);

/**
 * \brief Parse a date "d-Mon-yyyy" (one or two digit day; optionally
 *        quoted).
 * \return #MW_OK, #MW_E_SYNTAX, #MW_E_ARG.
 */
MW_API mw_status mw_imap_date_parse(const char *s, size_t len,
                                    mw_imap_datetime *dt);

/**
 * \brief Write a date-time as a quoted string "dd-Mon-yyyy hh:mm:ss +zzzz"
 *        (or a date d-Mon-yyyy, unquoted, when \c has_time is 0).
 * \return #MW_OK, #MW_E_ARG (out of range), #MW_E_NOSPACE, #MW_E_NOMEM.
 */
MW_API mw_status mw_imap_datetime_write(const mw_imap_datetime *dt,
                                        mw_buf *out);

/**
 * \brief Decode a mailbox name to UTF-8: "INBOX" in any case becomes
 *        "INBOX"; with \p utf8 (UTF8=ACCEPT) the name is validated UTF-8
 *        and copied, otherwise it is modified UTF-7 (RFC 3501 5.1.3).
 * \return #MW_OK, #MW_E_ENCODING (invalid UTF-7 / UTF-8), #MW_E_NOSPACE,
 *         #MW_E_NOMEM, #MW_E_ARG. \p out is unchanged on error.
 */
MW_API mw_status mw_imap_mailbox_decode(const char *name, size_t len, int utf8,
                                        mw_buf *out);

/* ------------------------------------------------------------------ */
/* Serializers                                                         */
/* ------------------------------------------------------------------ */

/** \brief String flag: an atom is allowed here (astring context). */
#define MW_IMAP_STR_ASTRING 0x1u
/** \brief String flag: 8-bit UTF-8 may go into a quoted string (UTF8=
 *         ACCEPT); otherwise 8-bit content is sent as a literal. */
#define MW_IMAP_STR_UTF8 0x2u
/** \brief String flag: use a non-synchronizing literal `{n+}`. */
#define MW_IMAP_STR_LITERAL_PLUS 0x4u
/** \brief String flag: NUL bytes are allowed and force a literal8 `~{n}`
 *         (only where the grammar takes literal8). */
#define MW_IMAP_STR_BINARY 0x8u
/** \brief String flag: always write a literal (e.g. message data). */
#define MW_IMAP_STR_FORCE_LITERAL 0x10u

/** \brief Longest string the serializer writes quoted; longer strings
 *         become literals so lines stay short. */
#define MW_IMAP_QUOTED_MAX 1024u

/**
 * \brief Write a string as an atom, a quoted string or a literal, whichever
 *        the content and \p flags allow, so that the parser reads back
 *        exactly \p s. A NULL \p s writes NIL.
 * \return #MW_OK, #MW_E_ARG (NUL without #MW_IMAP_STR_BINARY),
 *         #MW_E_NOSPACE (\p out unchanged), #MW_E_NOMEM.
 */
MW_API mw_status mw_imap_string_write(const char *s, size_t len, uint32_t flags,
                                      mw_buf *out);

/** \brief Writer flag: allow 8-bit UTF-8 in quoted strings. */
#define MW_IMAP_WRITE_UTF8 0x1u
/** \brief Writer flag (typed writers): write literals as non-synchronizing
 *         `{n+}` (RFC 7888 LITERAL+), so a command goes out without
 *         waiting for continuation requests. */
#define MW_IMAP_WRITE_LITERAL_PLUS 0x2u

/**
 * \brief Write one value subtree canonically (single spaces, strings
 *        re-chosen as quoted or literal by content).
 * \return #MW_OK, #MW_E_ARG (a streamed literal, an invalid atom or
 *         node), #MW_E_LIMIT (nesting beyond 256), #MW_E_NOSPACE,
 *         #MW_E_NOMEM. \p out is unchanged on error.
 */
MW_API mw_status mw_imap_value_write(const mw_imap_value *v, uint32_t flags,
                                     mw_buf *out);

/**
 * \brief Write a whole unit (response, command, continuation, SASL line,
 *        DONE) with its CRLF, so that parsing it gives an equal unit.
 * \return As mw_imap_value_write(); #MW_E_ARG also for an invalid tag.
 */
MW_API mw_status mw_imap_unit_write(const mw_imap_unit *u, uint32_t flags,
                                    mw_buf *out);

/**
 * \brief Compare two units (kind, tag, values as mw_imap_value_equal()).
 * \return 1 when equal, else 0.
 */
MW_API int mw_imap_unit_equal(const mw_imap_unit *a, const mw_imap_unit *b);

#ifdef __cplusplus
}
#endif

#endif /* MAILWIRE_IMAP_H */
