"""Units (đơn vị): the tree of offices, communes, schools and classes that campaigns cover."""
