"""Public pages: aggregate results of a unit ("dân biết, dân kiểm tra")."""
