/**
 * \file imap_search.h
 * \brief Typed IMAP search programs (RFC 9051 / RFC 3501 `search-key`,
 *        RFC 7162 MODSEQ, RFC 5032 OLDER / YOUNGER, RFC 8474 EMAILID /
 *        THREADID, RFC 6203 FUZZY, RFC 5182 `$`) and typed FETCH
 *        attribute lists (RFC 9051 `fetch-att`, RFC 3516 BINARY, RFC 7162
 *        MODSEQ), with canonical writers and value equality.
 *
 * The typed command decoder (include/mailwire/imap_cmd.h) fills these
 * values from a parsed command; a client builds them by hand and writes
 * them with mw_imap_search_write() and mw_imap_fetch_atts_write().
 *
 * ## Lifetime
 *
 * Every pointer and span in a decoded value points into the decoder's
 * arena or into the parsed unit it came from; both belong to the decoded
 * command and stay valid until it is freed. Values built by a caller are
 * only read by the writers and the equality functions.
 */
#ifndef MAILWIRE_IMAP_SEARCH_H
#define MAILWIRE_IMAP_SEARCH_H

#include <stddef.h>
#include <stdint.h>

#include "mailwire/imap.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ */
/* Sequence sets                                                       */
/* ------------------------------------------------------------------ */

/** \brief A typed sequence set: ranges, or the saved result `$`
 *         (RFC 5182). */
typedef struct mw_imap_seqset {
    const mw_imap_range *ranges; /**< The ranges (0 stands for `*`); NULL
                                      when \c dollar. */
    uint32_t n;                  /**< Number of ranges (0 when
                                      \c dollar). */
    uint32_t dollar;             /**< 1 for `$`, else 0. */
} mw_imap_seqset;

/**
 * \brief Write a typed sequence set: "$" or the ranges ("1,3:5,7:*").
 * \param s The set: either \c dollar with no ranges, or at least one
 *        range.
 * \param out Output buffer; unchanged on error.
 * \return #MW_OK, #MW_E_ARG (NULL argument, no ranges, `$` with ranges),
 *         #MW_E_NOSPACE, #MW_E_NOMEM.
 */
MW_API mw_status mw_imap_seqset_write_typed(const mw_imap_seqset *s,
                                            mw_buf *out);

/* ------------------------------------------------------------------ */
/* Search keys                                                         */
/* ------------------------------------------------------------------ */

/**
 * \brief Search key type (mw_imap_search_key::type). The comment of each
 *        value names the fields it uses.
 */
typedef enum mw_imap_search_key_type {
    MW_IMAP_SK_INVALID = 0, /**< Not a key (a zeroed value). */
    MW_IMAP_SK_SEQSET,      /**< A bare sequence set or `$`: \c set. */
    MW_IMAP_SK_AND,         /**< Parenthesised list: \c count children,
                                 all must match. */
    MW_IMAP_SK_ALL,         /**< ALL. */
    MW_IMAP_SK_ANSWERED,    /**< ANSWERED. */
    MW_IMAP_SK_BCC,         /**< BCC \c str. */
    MW_IMAP_SK_BEFORE,      /**< BEFORE \c date. */
    MW_IMAP_SK_BODY,        /**< BODY \c str. */
    MW_IMAP_SK_CC,          /**< CC \c str. */
    MW_IMAP_SK_DELETED,     /**< DELETED. */
    MW_IMAP_SK_DRAFT,       /**< DRAFT. */
    MW_IMAP_SK_FLAGGED,     /**< FLAGGED. */
    MW_IMAP_SK_FROM,        /**< FROM \c str. */
    MW_IMAP_SK_HEADER,      /**< HEADER \c str (field name) \c str2
                                 (value). */
    MW_IMAP_SK_KEYWORD,     /**< KEYWORD \c str (a flag atom). */
    MW_IMAP_SK_LARGER,      /**< LARGER \c number. */
    MW_IMAP_SK_NEW,         /**< NEW (RFC 3501). */
    MW_IMAP_SK_NOT,         /**< NOT: one child key. */
    MW_IMAP_SK_OLD,         /**< OLD (RFC 3501). */
    MW_IMAP_SK_ON,          /**< ON \c date. */
    MW_IMAP_SK_OR,          /**< OR: two child keys. */
    MW_IMAP_SK_RECENT,      /**< RECENT (RFC 3501). */
    MW_IMAP_SK_SEEN,        /**< SEEN. */
    MW_IMAP_SK_SENTBEFORE,  /**< SENTBEFORE \c date. */
    MW_IMAP_SK_SENTON,      /**< SENTON \c date. */
    MW_IMAP_SK_SENTSINCE,   /**< SENTSINCE \c date. */
    MW_IMAP_SK_SINCE,       /**< SINCE \c date. */
    MW_IMAP_SK_SMALLER,     /**< SMALLER \c number. */
    MW_IMAP_SK_SUBJECT,     /**< SUBJECT \c str. */
    MW_IMAP_SK_TEXT,        /**< TEXT \c str. */
    MW_IMAP_SK_TO,          /**< TO \c str. */
    MW_IMAP_SK_UID,         /**< UID \c set. */
    MW_IMAP_SK_UNANSWERED,  /**< UNANSWERED. */
    MW_IMAP_SK_UNDELETED,   /**< UNDELETED. */
    MW_IMAP_SK_UNDRAFT,     /**< UNDRAFT. */
    MW_IMAP_SK_UNFLAGGED,   /**< UNFLAGGED. */
    MW_IMAP_SK_UNKEYWORD,   /**< UNKEYWORD \c str (a flag atom). */
    MW_IMAP_SK_UNSEEN,      /**< UNSEEN. */
    MW_IMAP_SK_MODSEQ,      /**< MODSEQ [\c str \c entry_type] \c number
                                 (RFC 7162); \c entry_type is
                                 #MW_IMAP_SK_ENTRY_NONE without an
                                 entry. */
    MW_IMAP_SK_OLDER,       /**< OLDER \c number seconds (RFC 5032). */
    MW_IMAP_SK_YOUNGER,     /**< YOUNGER \c number seconds (RFC 5032). */
    MW_IMAP_SK_EMAILID,     /**< EMAILID \c str (RFC 8474). */
    MW_IMAP_SK_THREADID,    /**< THREADID \c str (RFC 8474). */
    MW_IMAP_SK_FUZZY        /**< FUZZY: one child key (RFC 6203). */
} mw_imap_search_key_type;

/** \brief MODSEQ entry type: no entry name given. */
#define MW_IMAP_SK_ENTRY_NONE 0u
/** \brief MODSEQ entry type "priv". */
#define MW_IMAP_SK_ENTRY_PRIV 1u
/** \brief MODSEQ entry type "shared". */
#define MW_IMAP_SK_ENTRY_SHARED 2u
/** \brief MODSEQ entry type "all". */
#define MW_IMAP_SK_ENTRY_ALL 3u

/**
 * \brief One search key. A search program is a preorder array of keys: a
 *        key's first child (NOT, FUZZY, OR, AND) is the next element and
 *        its next sibling is `k + k->subtree`, as in #mw_imap_value.
 */
struct mw_imap_search_key {
    uint32_t type;         /**< mw_imap_search_key_type. */
    uint32_t count;        /**< Direct child keys: 1 for NOT and FUZZY, 2
                                for OR, n >= 1 for AND, else 0. */
    uint32_t subtree;      /**< Keys in this subtree, itself included. */
    uint32_t entry_type;   /**< MODSEQ: MW_IMAP_SK_ENTRY_*. */
    mw_span str;           /**< String argument (BCC, BODY, CC, FROM,
                                SUBJECT, TEXT, TO, EMAILID, THREADID), header
                                field name (HEADER), flag (KEYWORD,
                                UNKEYWORD), entry name (MODSEQ). */
    mw_span str2;          /**< HEADER: the value searched for. */
    uint64_t number;       /**< LARGER, SMALLER, OLDER, YOUNGER, MODSEQ. */
    mw_imap_datetime date; /**< BEFORE, ON, SINCE, SENT*: a date
                                (\c has_time 0). */
    mw_imap_seqset set;    /**< UID and bare sequence-set keys. */
};

/** \brief A search key (see struct mw_imap_search_key). */
typedef struct mw_imap_search_key mw_imap_search_key;

/**
 * \brief A search program: \c n_top top-level keys (ANDed), stored with
 *        their subtrees as one preorder array of \c n_keys keys.
 */
typedef struct mw_imap_search {
    const mw_imap_search_key *keys; /**< Preorder key array. */
    uint32_t n_keys;                /**< All keys of \c keys. */
    uint32_t n_top;                 /**< Top-level keys (at least 1). */
} mw_imap_search;

/** \brief Deepest key nesting the writer and the decoder follow (NOT, OR,
 *         FUZZY and lists each add a level), as the command validator. */
#define MW_IMAP_SEARCH_DEPTH_MAX 64u

/**
 * \brief Write a search program: the keys separated by single spaces, no
 *        leading or trailing space and no CRLF. Strings become atoms,
 *        quoted strings or literals as their content needs (a literal's
 *        header CRLF is inside the output, as on the wire; a string with
 *        a NUL byte becomes a literal8 `~{n}`, the only form that carries
 *        it).
 * \param s The program.
 * \param flags #MW_IMAP_WRITE_UTF8 (8-bit strings may be quoted),
 *        #MW_IMAP_WRITE_LITERAL_PLUS (literals as `{n+}`).
 * \param out Output buffer; unchanged on error.
 * \return #MW_OK, #MW_E_ARG (NULL argument, no keys, an invalid key: bad
 *         type, wrong child count or subtree size, an empty or invalid
 *         flag atom, a span with a NULL pointer and a length, a date out
 *         of range or with a time, an empty sequence set, a bad MODSEQ
 *         entry type), #MW_E_LIMIT (nesting
 *         beyond #MW_IMAP_SEARCH_DEPTH_MAX), #MW_E_NOSPACE, #MW_E_NOMEM.
 */
MW_API mw_status mw_imap_search_write(const mw_imap_search *s, uint32_t flags,
                                      mw_buf *out);

/**
 * \brief Compare two search programs by value: structure, key types and
 *        the fields each type uses (strings byte for byte, dates by day).
 * \param a First program (may be NULL).
 * \param b Second program (may be NULL).
 * \return 1 when equal (two NULLs are equal), else 0.
 */
MW_API int mw_imap_search_equal(const mw_imap_search *a,
                                const mw_imap_search *b);

/* ------------------------------------------------------------------ */
/* Fetch attributes                                                    */
/* ------------------------------------------------------------------ */

/** \brief Fetch macro: none (a list or a single attribute). */
#define MW_IMAP_FETCH_MACRO_NONE 0u
/** \brief Fetch macro ALL (FLAGS INTERNALDATE RFC822.SIZE ENVELOPE). */
#define MW_IMAP_FETCH_MACRO_ALL 1u
/** \brief Fetch macro FAST (FLAGS INTERNALDATE RFC822.SIZE). */
#define MW_IMAP_FETCH_MACRO_FAST 2u
/** \brief Fetch macro FULL (ALL plus BODY). */
#define MW_IMAP_FETCH_MACRO_FULL 3u

/** \brief Fetch attribute type (mw_imap_fetch_att::type). */
typedef enum mw_imap_fetch_att_type {
    MW_IMAP_FETCH_ATT_OTHER = 0,     /**< Any other attribute atom (e.g.
                                          X-GM-MSGID, PREVIEW): \c name. */
    MW_IMAP_FETCH_ATT_FLAGS,         /**< FLAGS. */
    MW_IMAP_FETCH_ATT_INTERNALDATE,  /**< INTERNALDATE. */
    MW_IMAP_FETCH_ATT_RFC822,        /**< RFC822. */
    MW_IMAP_FETCH_ATT_RFC822_HEADER, /**< RFC822.HEADER. */
    MW_IMAP_FETCH_ATT_RFC822_SIZE,   /**< RFC822.SIZE. */
    MW_IMAP_FETCH_ATT_RFC822_TEXT,   /**< RFC822.TEXT. */
    MW_IMAP_FETCH_ATT_ENVELOPE,      /**< ENVELOPE. */
    MW_IMAP_FETCH_ATT_BODY,          /**< BODY (no section). */
    MW_IMAP_FETCH_ATT_BODYSTRUCTURE, /**< BODYSTRUCTURE. */
    MW_IMAP_FETCH_ATT_UID,           /**< UID. */
    MW_IMAP_FETCH_ATT_MODSEQ,        /**< MODSEQ (RFC 7162). */
    MW_IMAP_FETCH_ATT_EMAILID,       /**< EMAILID (RFC 8474). */
    MW_IMAP_FETCH_ATT_THREADID,      /**< THREADID (RFC 8474). */
    MW_IMAP_FETCH_ATT_SAVEDATE,      /**< SAVEDATE (RFC 8514). */
    MW_IMAP_FETCH_ATT_BODY_SECTION,  /**< BODY[section]\<partial\>. */
    MW_IMAP_FETCH_ATT_BODY_PEEK,     /**< BODY.PEEK[section]\<partial\>. */
    MW_IMAP_FETCH_ATT_BINARY,        /**< BINARY[part]\<partial\>
                                          (RFC 3516). */
    MW_IMAP_FETCH_ATT_BINARY_PEEK,   /**< BINARY.PEEK[part]\<partial\>. */
    MW_IMAP_FETCH_ATT_BINARY_SIZE    /**< BINARY.SIZE[part] (no
                                          partial). */
} mw_imap_fetch_att_type;

/** \brief Section text: none (`[]` or part numbers only). */
#define MW_IMAP_SECTION_NONE 0u
/** \brief Section text HEADER. */
#define MW_IMAP_SECTION_HEADER 1u
/** \brief Section text HEADER.FIELDS (field names). */
#define MW_IMAP_SECTION_HEADER_FIELDS 2u
/** \brief Section text HEADER.FIELDS.NOT (field names). */
#define MW_IMAP_SECTION_HEADER_FIELDS_NOT 3u
/** \brief Section text TEXT. */
#define MW_IMAP_SECTION_TEXT 4u
/** \brief Section text MIME (only after part numbers). */
#define MW_IMAP_SECTION_MIME 5u

/**
 * \brief A fetch section `[1.2.HEADER.FIELDS (From To)]`. BINARY sections
 *        take part numbers only.
 */
typedef struct mw_imap_fetch_section {
    const uint32_t *parts; /**< Part numbers (each >= 1), outermost
                                first. */
    uint32_t n_parts;      /**< Number of part numbers (0: the whole
                                message). */
    uint32_t spec;         /**< MW_IMAP_SECTION_*. */
    const mw_span *fields; /**< Header field names (HEADER.FIELDS and
                                HEADER.FIELDS.NOT). */
    uint32_t n_fields;     /**< Number of field names (>= 1 for those
                                two, else 0). */
    uint32_t reserved;     /**< 0. */
} mw_imap_fetch_section;

/** \brief One fetch attribute. */
struct mw_imap_fetch_att {
    uint32_t type;                 /**< mw_imap_fetch_att_type. */
    uint32_t has_partial;          /**< 1 when a partial `<origin.length>`
                                        follows the section. */
    mw_span name;                  /**< MW_IMAP_FETCH_ATT_OTHER: the
                                        attribute atom as sent. */
    mw_imap_fetch_section section; /**< Section attributes: the
                                        section. */
    uint64_t origin;               /**< Partial: first octet. */
    uint64_t length;               /**< Partial: number of octets. */
};

/** \brief A fetch attribute (see struct mw_imap_fetch_att). */
typedef struct mw_imap_fetch_att mw_imap_fetch_att;

/**
 * \brief The attribute argument of FETCH: a macro, a single attribute, or
 *        a parenthesised list.
 */
typedef struct mw_imap_fetch_atts {
    uint32_t macro;                /**< MW_IMAP_FETCH_MACRO_*; with a macro
                                        \c n_atts is 0. */
    const mw_imap_fetch_att *atts; /**< The attributes. */
    uint32_t n_atts;               /**< Number of attributes. */
    uint32_t parenthesized;        /**< 1 when written as a list (needed
                                        for more than one attribute). */
} mw_imap_fetch_atts;

/**
 * \brief Write a FETCH attribute argument: a macro name, one attribute,
 *        or a parenthesised list, without leading or trailing space.
 * \param f The attributes.
 * \param flags #MW_IMAP_WRITE_UTF8, #MW_IMAP_WRITE_LITERAL_PLUS (for header
 *        field names).
 * \param out Output buffer; unchanged on error.
 * \return #MW_OK, #MW_E_ARG (NULL argument, unknown macro or type, a
 *         macro with attributes, no attributes, several without
 *         parentheses, an OTHER name that is not an atom or that reads as
 *         another attribute, a number or NIL, part number 0, a section
 *         text the attribute does not take, field names missing or where
 *         none belong, a partial on BINARY.SIZE or outside a section),
 *         #MW_E_NOSPACE, #MW_E_NOMEM.
 */
MW_API mw_status mw_imap_fetch_atts_write(const mw_imap_fetch_atts *f,
                                          uint32_t flags, mw_buf *out);

/**
 * \brief Compare two FETCH attribute arguments by value: macro,
 *        parentheses, and each attribute's type with the fields it uses
 *        (OTHER names compare ASCII case-insensitively, header field
 *        names byte for byte).
 * \param a First argument (may be NULL).
 * \param b Second argument (may be NULL).
 * \return 1 when equal (two NULLs are equal), else 0.
 */
MW_API int mw_imap_fetch_atts_equal(const mw_imap_fetch_atts *a,
                                    const mw_imap_fetch_atts *b);

#ifdef __cplusplus
}
#endif

#endif /* MAILWIRE_IMAP_SEARCH_H */
