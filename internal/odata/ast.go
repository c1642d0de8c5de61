// Package odata parses the OData query options firstkey supports ($filter, $select,
// $top, $orderby, $count, $skiptoken) into plain values. It does no I/O; storage
// backends translate the filter tree into their own queries.
package odata

import "time"

// Expr is a node of a parsed $filter.
type Expr interface{ isExpr() }

// CompareOp is a comparison operator.
type CompareOp string

const (
	Eq CompareOp = "eq"
	Ne CompareOp = "ne"
	Gt CompareOp = "gt"
	Ge CompareOp = "ge"
	Lt CompareOp = "lt"
	Le CompareOp = "le"
)

// ValueKind tells which field of a Value is set.
type ValueKind int

const (
	KindString ValueKind = iota + 1
	KindNumber
	KindBool
	KindNull
	KindDateTime
	KindGUID
)

// Value is a literal in a filter.
type Value struct {
	Kind   ValueKind
	String string // KindString and KindGUID
	Number int64
	Bool   bool
	Time   time.Time // KindDateTime, UTC
}

// Compare is `Field Op Value`, e.g. `userPrincipalName eq 'a@b.c'`.
// Field is a property path with segments joined by '/', e.g. `status/errorCode`.
type Compare struct {
	Field string
	Op    CompareOp
	Value Value
}

// Func is a boolean function call, e.g. `startswith(displayName,'Ad')`.
// Name is lower-case: startswith, endswith, contains.
type Func struct {
	Name  string
	Field string
	Value Value
}

// Logical joins two expressions with "and" or "or".
type Logical struct {
	Op          string // "and" or "or"
	Left, Right Expr
}

// Not negates an expression.
type Not struct{ Inner Expr }

// Any is a lambda over a collection, e.g. `targetResources/any(t:t/id eq 'x')`.
// Field paths inside Inner have the range variable removed: `t/id` becomes `id`.
type Any struct {
	Collection string
	Inner      Expr
}

func (Compare) isExpr() {}
func (Func) isExpr()    {}
func (Logical) isExpr() {}
func (Not) isExpr()     {}
func (Any) isExpr()     {}

// OrderBy is one key of $orderby.
type OrderBy struct {
	Field string
	Desc  bool
}
