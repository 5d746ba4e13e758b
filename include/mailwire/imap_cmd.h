/**
 * \file imap_cmd.h
 * \brief Typed IMAP commands: every command of RFC 3501 / RFC 9051 and the
 *        supported extensions decoded into a C struct, and written back.
 *
 * mw_imap_command_get() (imap.h) classifies a parsed command unit and
 * validates its grammar; mw_imap_cmd_decode() turns it into a typed
 * #mw_imap_cmd whose fields hold the real values: sequence sets as ranges,
 * numbers as integers, dates as #mw_imap_datetime, mailbox names both as
 * sent and decoded to UTF-8, search keys as an #mw_imap_search and fetch
 * attributes as an #mw_imap_fetch_atts (imap_search.h).
 *
 * ## Memory of a decoded command
 *
 * The #mw_imap_cmd and every array it points to live in one arena made
 * with the allocator given to mw_imap_cmd_decode() and released at once by
 * mw_imap_cmd_free(). String views (#mw_span) and generic nodes
 * (`const mw_imap_value *`) point into the parsed unit and stay valid only
 * as long as the unit does (until the next call on the parser); decoded
 * mailbox names (#mw_imap_mailbox::utf8) live in the arena until
 * mw_imap_cmd_free().
 *
 * ## Sending a command
 *
 * A client zero-initialises an #mw_imap_cmd, sets \c type, \c tag and the
 * member of \c u for that type, pointing at arrays in its own memory, and
 * calls mw_imap_cmd_write(), which appends the whole command with its CRLF
 * or nothing:
 *
 * \code
 * mw_imap_range r = {1, 0};            // 1:*
 * mw_imap_cmd c;
 * memset(&c, 0, sizeof(c));
 * c.type = MW_IMAP_CMD_COPY;
 * c.uid = 1;
 * c.tag.ptr = "a7";
 * c.tag.len = 2;
 * c.u.copy.set.ranges = &r;
 * c.u.copy.set.n = 1;
 * c.u.copy.mailbox.utf8.ptr = "Entw\xc3\xbcrfe";   // raw.ptr NULL: encode
 * c.u.copy.mailbox.utf8.len = 9;
 * mw_status st = mw_imap_cmd_write(&c, 0, &out);
 * // out: "a7 UID COPY 1:* Entw&APw-rfe\r\n"
 * \endcode
 *
 * The writer refuses (#MW_E_ARG) what its parser would read differently:
 * for every command it accepts, parsing the bytes, mw_imap_command_get()
 * and mw_imap_cmd_decode() give a command equal under mw_imap_cmd_equal().
 * Literals in the output are synchronizing unless
 * #MW_IMAP_WRITE_LITERAL_PLUS is given; a client that sends synchronizing
 * literals must wait for the server's continuation request after each
 * `{n}` CRLF.
 *
 * ## Mailbox names and #MW_IMAP_PARSE_UTF8
 *
 * With #MW_IMAP_PARSE_UTF8 in the flags of mw_imap_cmd_decode() (the
 * client enabled UTF8=ACCEPT, RFC 6855 / RFC 9051) mailbox names are taken
 * as UTF-8; without it they are modified UTF-7 (RFC 3501 5.1.3). The
 * writer matches it with #MW_IMAP_WRITE_UTF8.
 */
#ifndef MAILWIRE_IMAP_CMD_H
#define MAILWIRE_IMAP_CMD_H

#include <stddef.h>
#include <stdint.h>

#include "mailwire/core.h"
#include "mailwire/imap.h"
#include "mailwire/imap_search.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * \brief A mailbox name (also used for LIST references and patterns).
 *
 * Decoded: \c raw is the name as sent (a view into the unit), \c utf8 its
 * UTF-8 form in the command's arena, \c valid 1. A name that is not valid
 * modified UTF-7 (or UTF-8 under UTF8=ACCEPT) is not a decode error,
 * since a server must answer it with NO: \c utf8 is then empty and
 * \c valid 0. "INBOX" in any case decodes to "INBOX".
 *
 * Caller-built: the writer sends \c raw as is when \c raw.ptr is not NULL
 * (an empty name needs a non-NULL pointer), else it encodes \c utf8 to
 * modified UTF-7 (or sends it as UTF-8 with #MW_IMAP_WRITE_UTF8).
 * \c valid is ignored.
 */
typedef struct mw_imap_mailbox {
    mw_span raw;       /**< Wire form, or ptr NULL to encode \c utf8. */
    mw_span utf8;      /**< UTF-8 form (empty when \c valid is 0). */
    uint32_t valid;    /**< Decoded: 1 when \c raw decoded cleanly. */
    uint32_t reserved; /**< 0. */
} mw_imap_mailbox;

/** \brief Generic nodes kept as they were sent (extension parameters). */
typedef struct mw_imap_nodes {
    const mw_imap_value *const *v; /**< \c n node pointers (each the root
                                        of a subtree). */
    uint32_t n;                    /**< How many. */
    uint32_t reserved;             /**< 0. */
} mw_imap_nodes;

/** \brief AUTHENTICATE mechanism [initial-response] (RFC 4959 SASL-IR). */
typedef struct mw_imap_cmd_authenticate {
    mw_span mechanism;    /**< SASL mechanism name (an atom). */
    uint32_t has_initial; /**< 1 when an initial response was sent. */
    uint32_t reserved;    /**< 0. */
    mw_span initial;      /**< The base64 text as sent, not decoded;
                               empty for "=" (an empty response). */
} mw_imap_cmd_authenticate;

/** \brief LOGIN user password. */
typedef struct mw_imap_cmd_login {
    mw_span user;     /**< User name (astring content). */
    mw_span password; /**< Password (astring content). */
} mw_imap_cmd_login;

/** \brief ENABLE capability... (RFC 5161). */
typedef struct mw_imap_cmd_enable {
    const mw_span *caps; /**< Capability names (atoms). */
    uint32_t n_caps;     /**< At least 1. */
    uint32_t reserved;   /**< 0. */
} mw_imap_cmd_enable;

/** \brief SELECT / EXAMINE mailbox [(params)] with CONDSTORE and QRESYNC
 *         (RFC 7162). */
typedef struct mw_imap_cmd_select {
    mw_imap_mailbox mailbox;       /**< The mailbox. */
    uint32_t condstore;            /**< 1 for the CONDSTORE parameter. */
    uint32_t qresync;              /**< 1 for QRESYNC (...). */
    uint32_t uidvalidity;          /**< QRESYNC: last known UIDVALIDITY. */
    uint32_t has_seq_match;        /**< QRESYNC: 1 with seq-match-data. */
    uint64_t modseq;               /**< QRESYNC: last known modseq. */
    mw_imap_seqset known_uids;     /**< QRESYNC: known UIDs (n 0 and not
                                        dollar: absent). */
    mw_imap_seqset seq_match_seqs; /**< QRESYNC: known sequence set. */
    mw_imap_seqset seq_match_uids; /**< QRESYNC: matching UID set. */
    mw_imap_nodes params;          /**< Other parameters, in order. */
} mw_imap_cmd_select;

/** \brief CREATE mailbox [(params)], with USE (RFC 6154). */
typedef struct mw_imap_cmd_create {
    mw_imap_mailbox mailbox; /**< The new mailbox. */
    uint32_t has_use;        /**< 1 for a USE (...) parameter. */
    uint32_t n_use;          /**< Special-use attributes. */
    const mw_span *use;      /**< Attributes such as "\\Sent" (atoms). */
    mw_imap_nodes params;    /**< Other parameters, in order. */
} mw_imap_cmd_create;

/** \brief One mailbox argument: DELETE, SUBSCRIBE, UNSUBSCRIBE,
 *         GETQUOTAROOT. */
typedef struct mw_imap_cmd_mailbox {
    mw_imap_mailbox mailbox; /**< The mailbox. */
} mw_imap_cmd_mailbox;

/** \brief RENAME from to [(params)]. */
typedef struct mw_imap_cmd_rename {
    mw_imap_mailbox from; /**< Existing name. */
    mw_imap_mailbox to;   /**< New name. */
    mw_imap_nodes params; /**< Extension parameters, in order. */
} mw_imap_cmd_rename;

/** \brief STATUS item (mw_imap_status_item::item). */
typedef enum mw_imap_status_att {
    MW_IMAP_STATUS_UNKNOWN = 0,   /**< Not known here; kept by name. */
    MW_IMAP_STATUS_MESSAGES,      /**< MESSAGES. */
    MW_IMAP_STATUS_UIDNEXT,       /**< UIDNEXT. */
    MW_IMAP_STATUS_UIDVALIDITY,   /**< UIDVALIDITY. */
    MW_IMAP_STATUS_UNSEEN,        /**< UNSEEN. */
    MW_IMAP_STATUS_DELETED,       /**< DELETED (RFC 9051). */
    MW_IMAP_STATUS_SIZE,          /**< SIZE (RFC 9051). */
    MW_IMAP_STATUS_RECENT,        /**< RECENT (RFC 3501). */
    MW_IMAP_STATUS_HIGHESTMODSEQ, /**< HIGHESTMODSEQ (RFC 7162). */
    MW_IMAP_STATUS_APPENDLIMIT,   /**< APPENDLIMIT (RFC 7889). */
    MW_IMAP_STATUS_MAILBOXID      /**< MAILBOXID (RFC 8474). */
} mw_imap_status_att;

/** \brief One STATUS data item. */
typedef struct mw_imap_status_item {
    uint32_t item;     /**< mw_imap_status_att. */
    uint32_t reserved; /**< 0. */
    mw_span name;      /**< As sent; written only for UNKNOWN. */
} mw_imap_status_item;

/** \brief STATUS mailbox (items). */
typedef struct mw_imap_cmd_status {
    mw_imap_mailbox mailbox;          /**< The mailbox. */
    const mw_imap_status_item *items; /**< Requested items. */
    uint32_t n_items;                 /**< At least 1. */
    uint32_t reserved;                /**< 0. */
} mw_imap_cmd_status;

/** \brief A LIST selection or return option (RFC 5258). */
typedef struct mw_imap_list_option {
    mw_span name;               /**< Option name (an atom). */
    const mw_imap_value *value; /**< Return options only: its
                                     parenthesised value, or NULL. */
} mw_imap_list_option;

/** \brief LIST [(selection)] reference pattern(s) [RETURN (options)]
 *         (RFC 5258, LIST-STATUS RFC 5819). */
typedef struct mw_imap_cmd_list {
    uint32_t has_select;               /**< 1 when "(...)" came first. */
    uint32_t n_select;                 /**< Selection options. */
    const mw_imap_list_option *select; /**< SUBSCRIBED, REMOTE,
                                            RECURSIVEMATCH... */
    mw_imap_mailbox reference;         /**< Reference name. */
    const mw_imap_mailbox *patterns;   /**< Mailbox patterns. */
    uint32_t n_patterns;               /**< At least 1. */
    uint32_t patterns_parenthesized;   /**< 1 for "(p1 p2 ...)". */
    uint32_t has_return;               /**< 1 for RETURN (...). */
    uint32_t n_return;                 /**< Return options other
                                            than STATUS. */
    const mw_imap_list_option *ret;    /**< CHILDREN, SUBSCRIBED... */
    uint32_t has_status;               /**< 1 for RETURN STATUS. */
    uint32_t n_status;                 /**< STATUS items. */
    const mw_imap_status_item *status; /**< Items of RETURN STATUS. */
} mw_imap_cmd_list;

/** \brief LSUB reference pattern. */
typedef struct mw_imap_cmd_lsub {
    mw_imap_mailbox reference; /**< Reference name. */
    mw_imap_mailbox pattern;   /**< Mailbox pattern. */
} mw_imap_cmd_lsub;

/** \brief One message of APPEND (MULTIAPPEND, RFC 3502). */
typedef struct mw_imap_append_msg {
    uint32_t has_flags;            /**< 1 when a flag list was sent. */
    uint32_t n_flags;              /**< Flags. */
    const mw_span *flags;          /**< Flags such as "\\Seen" (atoms). */
    uint32_t has_date;             /**< 1 when a date-time was sent. */
    uint32_t streamed;             /**< 1 when the data came as literal
                                        chunk events (only \c length is
                                        known); such a message cannot be
                                        written. */
    mw_imap_datetime date;         /**< INTERNALDATE to set. */
    uint32_t binary;               /**< 1 for a literal8 (BINARY, RFC 3516;
                                        always 1 with \c utf8). */
    uint32_t utf8;                 /**< 1 for "UTF8 (literal8)" (RFC 6855). */
    uint64_t length;               /**< Data length. */
    mw_span data;                  /**< The message, unless streamed. */
    const mw_imap_value *catenate; /**< CATENATE (RFC 4469): its list,
                                        written as is; NULL otherwise
                                        (then \c data is the message). */
} mw_imap_append_msg;

/** \brief APPEND mailbox message... */
typedef struct mw_imap_cmd_append {
    mw_imap_mailbox mailbox;            /**< Target mailbox. */
    const mw_imap_append_msg *messages; /**< Messages. */
    uint32_t n_messages;                /**< At least 1. */
    uint32_t reserved;                  /**< 0. */
} mw_imap_cmd_append;

/** \brief UID EXPUNGE set (RFC 4315); plain EXPUNGE has no argument. */
typedef struct mw_imap_cmd_expunge {
    mw_imap_seqset uids; /**< UIDs (with the UID prefix only). */
} mw_imap_cmd_expunge;

/** \brief SEARCH / SORT RETURN option (mw_imap_return_opt::opt). */
typedef enum mw_imap_return_att {
    MW_IMAP_RET_UNKNOWN = 0, /**< Not known here; kept by name. */
    MW_IMAP_RET_MIN,         /**< MIN (RFC 4731). */
    MW_IMAP_RET_MAX,         /**< MAX. */
    MW_IMAP_RET_ALL,         /**< ALL. */
    MW_IMAP_RET_COUNT,       /**< COUNT. */
    MW_IMAP_RET_SAVE         /**< SAVE (RFC 5182). */
} mw_imap_return_att;

/** \brief One RETURN option of SEARCH or SORT. */
typedef struct mw_imap_return_opt {
    uint32_t opt;      /**< mw_imap_return_att. */
    uint32_t reserved; /**< 0. */
    mw_span name;      /**< As sent; written only for UNKNOWN. */
} mw_imap_return_opt;

/** \brief RETURN (...) of SEARCH (RFC 4731) or SORT (RFC 5267). */
typedef struct mw_imap_returns {
    uint32_t has_return;            /**< 1 when RETURN was sent (an
                                         empty list means ALL). */
    uint32_t n_opts;                /**< Options. */
    const mw_imap_return_opt *opts; /**< The options. */
} mw_imap_returns;

/** \brief SEARCH [RETURN (...)] [CHARSET x] keys. */
typedef struct mw_imap_cmd_search {
    mw_imap_returns ret;   /**< ESEARCH return options. */
    uint32_t has_charset;  /**< 1 when CHARSET was given. */
    uint32_t reserved;     /**< 0. */
    mw_span charset;       /**< The charset name. */
    mw_imap_search search; /**< The search keys. */
} mw_imap_cmd_search;

/** \brief FETCH set attributes [(modifiers)] (CONDSTORE, QRESYNC). */
typedef struct mw_imap_cmd_fetch {
    mw_imap_seqset set;        /**< Messages (UIDs with UID). */
    mw_imap_fetch_atts atts;   /**< What to fetch. */
    uint32_t has_changedsince; /**< 1 for CHANGEDSINCE. */
    uint32_t vanished;         /**< 1 for VANISHED (RFC 7162). */
    uint64_t changedsince;     /**< The mod-sequence. */
    mw_imap_nodes modifiers;   /**< Other modifiers, in order. */
} mw_imap_cmd_fetch;

/** \brief STORE mode (mw_imap_cmd_store::mode). */
typedef enum mw_imap_store_mode {
    MW_IMAP_STORE_REPLACE = 0, /**< FLAGS. */
    MW_IMAP_STORE_ADD,         /**< +FLAGS. */
    MW_IMAP_STORE_REMOVE       /**< -FLAGS. */
} mw_imap_store_mode;

/** \brief STORE set [(UNCHANGEDSINCE n)] [+-]FLAGS[.SILENT] flags. */
typedef struct mw_imap_cmd_store {
    mw_imap_seqset set;          /**< Messages. */
    uint32_t has_unchangedsince; /**< 1 for UNCHANGEDSINCE. */
    uint32_t mode;               /**< mw_imap_store_mode. */
    uint64_t unchangedsince;     /**< The mod-sequence (may be 0). */
    uint32_t silent;             /**< 1 for .SILENT. */
    uint32_t n_flags;            /**< Flags (may be 0). */
    const mw_span *flags;        /**< Flags (atoms). */
    mw_imap_nodes modifiers;     /**< Other modifiers, in order. */
} mw_imap_cmd_store;

/** \brief COPY / MOVE set mailbox. */
typedef struct mw_imap_cmd_copy {
    mw_imap_seqset set;      /**< Messages. */
    mw_imap_mailbox mailbox; /**< Destination. */
} mw_imap_cmd_copy;

/** \brief One ID field (RFC 2971). */
typedef struct mw_imap_id_field {
    mw_span name;       /**< Field name. */
    mw_span value;      /**< Field value (empty when \c value_nil). */
    uint32_t value_nil; /**< 1 when the value is NIL. */
    uint32_t reserved;  /**< 0. */
} mw_imap_id_field;

/** \brief ID NIL or ID (field value ...). */
typedef struct mw_imap_cmd_id {
    uint32_t nil;                   /**< 1 for ID NIL (also written when
                                         \c n_fields is 0). */
    uint32_t n_fields;              /**< Field / value pairs. */
    const mw_imap_id_field *fields; /**< The pairs. */
} mw_imap_cmd_id;

/** \brief COMPRESS mechanism (RFC 4978). */
typedef struct mw_imap_cmd_compress {
    mw_span mechanism; /**< E.g. "DEFLATE" (an atom). */
} mw_imap_cmd_compress;

/** \brief GETQUOTA root (RFC 9208). */
typedef struct mw_imap_cmd_getquota {
    mw_span root; /**< Quota root (astring content). */
} mw_imap_cmd_getquota;

/** \brief One SETQUOTA resource limit. */
typedef struct mw_imap_quota_limit {
    mw_span name;   /**< Resource name, e.g. "STORAGE" (an atom). */
    uint64_t limit; /**< The limit. */
} mw_imap_quota_limit;

/** \brief SETQUOTA root (resource limit ...) (RFC 9208). */
typedef struct mw_imap_cmd_setquota {
    mw_span root;                      /**< Quota root. */
    const mw_imap_quota_limit *limits; /**< Resource limits (may be 0). */
    uint32_t n_limits;                 /**< How many. */
    uint32_t reserved;                 /**< 0. */
} mw_imap_cmd_setquota;

/** \brief SORT key (mw_imap_sort_crit::key). */
typedef enum mw_imap_sort_att {
    MW_IMAP_SORT_UNKNOWN = 0, /**< Not known here; kept by name. */
    MW_IMAP_SORT_ARRIVAL,     /**< ARRIVAL. */
    MW_IMAP_SORT_CC,          /**< CC. */
    MW_IMAP_SORT_DATE,        /**< DATE. */
    MW_IMAP_SORT_FROM,        /**< FROM. */
    MW_IMAP_SORT_SIZE,        /**< SIZE. */
    MW_IMAP_SORT_SUBJECT,     /**< SUBJECT. */
    MW_IMAP_SORT_TO,          /**< TO. */
    MW_IMAP_SORT_DISPLAYFROM, /**< DISPLAYFROM (RFC 5957). */
    MW_IMAP_SORT_DISPLAYTO    /**< DISPLAYTO (RFC 5957). */
} mw_imap_sort_att;

/** \brief One sort criterion. */
typedef struct mw_imap_sort_crit {
    uint32_t key;     /**< mw_imap_sort_att. */
    uint32_t reverse; /**< 1 when preceded by REVERSE. */
    mw_span name;     /**< As sent; written only for UNKNOWN. */
} mw_imap_sort_crit;

/** \brief SORT [RETURN (...)] (criteria) charset keys (RFC 5256). */
typedef struct mw_imap_cmd_sort {
    mw_imap_returns ret;           /**< ESORT return options. */
    const mw_imap_sort_crit *crit; /**< Criteria, most significant
                                        first. */
    uint32_t n_crit;               /**< At least 1. */
    uint32_t reserved;             /**< 0. */
    mw_span charset;               /**< Charset (required). */
    mw_imap_search search;         /**< The search keys. */
} mw_imap_cmd_sort;

/** \brief THREAD algorithm charset keys (RFC 5256). */
typedef struct mw_imap_cmd_thread {
    mw_span algorithm;     /**< E.g. "REFERENCES" (an atom). */
    mw_span charset;       /**< Charset. */
    mw_imap_search search; /**< The search keys. */
} mw_imap_cmd_thread;

/** \brief A command not known here: its arguments as generic nodes. */
typedef struct mw_imap_cmd_unknown {
    const mw_imap_value *args; /**< First top-level argument (the rest
                                    follow in preorder), or NULL. */
    uint32_t n_args;           /**< Top-level arguments. */
    uint32_t reserved;         /**< 0. */
} mw_imap_cmd_unknown;

/** \brief A typed command. Commands without arguments (CAPABILITY, NOOP,
 *         LOGOUT, STARTTLS, NAMESPACE, IDLE, CHECK, CLOSE, UNSELECT, plain
 *         EXPUNGE) use no member of \c u. */
typedef struct mw_imap_cmd {
    uint32_t type; /**< mw_imap_cmdtype (imap.h). */
    uint32_t uid;  /**< 1 for the UID prefix (COPY, MOVE, FETCH, SEARCH,
                        STORE, EXPUNGE, SORT, THREAD). */
    mw_span tag;   /**< The tag. */
    mw_span name;  /**< Command name as sent; written only for
                        #MW_IMAP_CMD_UNKNOWN. */
    /** \brief Arguments; the member named after \c type. */
    union {
        mw_imap_cmd_authenticate authenticate; /**< AUTHENTICATE. */
        mw_imap_cmd_login login;               /**< LOGIN. */
        mw_imap_cmd_enable enable;             /**< ENABLE. */
        mw_imap_cmd_select select;             /**< SELECT, EXAMINE. */
        mw_imap_cmd_create create;             /**< CREATE. */
        mw_imap_cmd_mailbox mailbox;           /**< DELETE, SUBSCRIBE,
                                                    UNSUBSCRIBE,
                                                    GETQUOTAROOT. */
        mw_imap_cmd_rename rename;             /**< RENAME. */
        mw_imap_cmd_list list;                 /**< LIST. */
        mw_imap_cmd_lsub lsub;                 /**< LSUB. */
        mw_imap_cmd_status status;             /**< STATUS. */
        mw_imap_cmd_append append;             /**< APPEND. */
        mw_imap_cmd_expunge expunge;           /**< UID EXPUNGE. */
        mw_imap_cmd_search search;             /**< SEARCH. */
        mw_imap_cmd_fetch fetch;               /**< FETCH. */
        mw_imap_cmd_store store;               /**< STORE. */
        mw_imap_cmd_copy copy;                 /**< COPY, MOVE. */
        mw_imap_cmd_id id;                     /**< ID. */
        mw_imap_cmd_compress compress;         /**< COMPRESS. */
        mw_imap_cmd_getquota getquota;         /**< GETQUOTA. */
        mw_imap_cmd_setquota setquota;         /**< SETQUOTA. */
        mw_imap_cmd_sort sort;                 /**< SORT. */
        mw_imap_cmd_thread thread;             /**< THREAD. */
        mw_imap_cmd_unknown unknown;           /**< UNKNOWN. */
    } u;
} mw_imap_cmd;

/**
 * \brief Decode a classified command into a typed value.
 * \param c A command from mw_imap_command_get() (or from a unit parsed
 *        with #MW_IMAP_PARSE_NO_VALIDATE: anything that does not fit the
 *        grammar is #MW_E_SYNTAX, never a crash).
 * \param flags #MW_IMAP_PARSE_UTF8 (mailbox names are UTF-8, see the file
 *        comment) or 0.
 * \param alloc Allocator for the command's arena, or NULL for libc; must
 *        outlive the command.
 * \param out Receives the command; release it with mw_imap_cmd_free(). Its
 *        views into the unit stay valid as long as the unit (until the
 *        next call on the parser); arena data until mw_imap_cmd_free().
 * \param err Optional; on #MW_E_SYNTAX receives the stream offset of the
 *        offending node (of the last node when arguments are missing) and
 *        what was expected.
 * \return #MW_OK; #MW_E_SYNTAX (\c *out NULL); #MW_E_LIMIT (a string
 *         other than APPEND data arrived as a streamed literal, so its
 *         bytes are not in the unit; a part number beyond 32 bits);
 *         #MW_E_NOMEM (nothing leaked, \c *out NULL); #MW_E_ARG (NULL \p c
 *         or \p out). \c *out is NULL on every error.
 */
MW_API mw_status mw_imap_cmd_decode(const mw_imap_command *c, uint32_t flags,
                                    const mw_allocator *alloc,
                                    mw_imap_cmd **out, mw_imap_error *err);

/**
 * \brief Release a command made by mw_imap_cmd_decode() (never a
 *        caller-built one). NULL is a no-op.
 */
MW_API void mw_imap_cmd_free(mw_imap_cmd *cmd);

/**
 * \brief Write a whole command with its CRLF.
 * \param cmd A decoded or caller-built command.
 * \param flags #MW_IMAP_WRITE_UTF8 (UTF8=ACCEPT: 8-bit UTF-8 in quoted
 *        strings, mailbox names as UTF-8) and #MW_IMAP_WRITE_LITERAL_PLUS
 *        (non-synchronizing literals; literal8 stays synchronizing).
 * \param out Receives the command, or nothing on any error.
 * \return #MW_OK; #MW_E_ARG (NULL, unknown type, bad tag, UID on a command
 *         that takes none, an empty or malformed sequence set, a value
 *         that is not an atom where an atom goes, a name of a known item
 *         kept as UNKNOWN, NUL in non-binary data, streamed APPEND data,
 *         a name that is not valid UTF-8, an invalid generic node);
 *         #MW_E_LIMIT (generic nodes nested too deep); #MW_E_NOSPACE
 *         (\c out->needed set); #MW_E_NOMEM.
 */
MW_API mw_status mw_imap_cmd_write(const mw_imap_cmd *cmd, uint32_t flags,
                                   mw_buf *out);

/**
 * \brief Compare two typed commands field by field: type, UID prefix, tag
 *        and the arguments of that type (mailbox names by wire form when
 *        both have one, else by UTF-8 form; INBOX in any case; names of
 *        known items and the syntax a value was sent in are not compared).
 * \return 1 when equal, else 0 (also when either is NULL).
 */
MW_API int mw_imap_cmd_equal(const mw_imap_cmd *a, const mw_imap_cmd *b);

#ifdef __cplusplus
}
#endif

#endif /* MAILWIRE_IMAP_CMD_H */
