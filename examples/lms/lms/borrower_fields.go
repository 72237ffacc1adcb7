package lms

import (
	"fmt"
	"net/mail"
	"regexp"
	"strings"

	"github.com/danielgtaylor/huma/v2"
)

// BorrowerFields are a borrower's editable fields, as the API and loaddata
// take them. Optional fields that are missing, null or blank are stored as
// unknown (null).
type BorrowerFields struct {
	Name       string  `json:"name" minLength:"1" maxLength:"200" doc:"surrounding spaces are trimmed; must not be blank"`
	Email      *string `json:"email,omitempty" maxLength:"254" doc:"an address such as ana@example.com; optional"`
	Phone      *string `json:"phone,omitempty" maxLength:"32" doc:"digits, spaces and + ( ) . / -, starting with + or a digit; optional"`
	NationalID *string `json:"national_id,omitempty" maxLength:"64" doc:"unique among the tenant's borrowers; optional"`
}

var phonePattern = regexp.MustCompile(`^\+?[0-9][0-9 ()./-]{2,31}$`)

// clean trims f's fields, turns blank optional ones into nil and checks
// what the schema would refuse, as a 422 naming the field.
func (f *BorrowerFields) clean() error {
	f.Name = strings.TrimSpace(f.Name)
	if f.Name == "" {
		return huma.Error422UnprocessableEntity("name must not be blank")
	}
	if len([]rune(f.Name)) > 200 {
		return huma.Error422UnprocessableEntity("name must be at most 200 characters")
	}
	for _, o := range []struct {
		name string
		v    **string
	}{{"email", &f.Email}, {"phone", &f.Phone}, {"national_id", &f.NationalID}} {
		if err := cleanOptional(o.name, o.v); err != nil {
			return err
		}
	}
	return f.checkFormats()
}

// cleanOptional trims *v, nil when blank, refusing NUL characters, which
// PostgreSQL's text cannot hold.
func cleanOptional(name string, v **string) error {
	if *v == nil {
		return nil
	}
	s := strings.TrimSpace(**v)
	if strings.ContainsRune(s, 0) {
		return huma.Error422UnprocessableEntity(name + " must not contain NUL characters")
	}
	if s == "" {
		*v = nil
		return nil
	}
	*v = &s
	return nil
}

// checkFormats checks the email and phone.
func (f *BorrowerFields) checkFormats() error {
	if strings.ContainsRune(f.Name, 0) {
		return huma.Error422UnprocessableEntity("name must not contain NUL characters")
	}
	if f.Email != nil {
		a, err := mail.ParseAddress(*f.Email)
		if err != nil || a.Address != *f.Email || len(*f.Email) > 254 {
			return huma.Error422UnprocessableEntity(fmt.Sprintf("email %q is not an address such as ana@example.com", *f.Email))
		}
	}
	if f.Phone != nil && !phonePattern.MatchString(*f.Phone) {
		return huma.Error422UnprocessableEntity(fmt.Sprintf("phone %q must be 3 to 32 digits, spaces and + ( ) . / -, starting with + or a digit", *f.Phone))
	}
	if f.NationalID != nil && len([]rune(*f.NationalID)) > 64 {
		return huma.Error422UnprocessableEntity("national_id must be at most 64 characters")
	}
	return nil
}
