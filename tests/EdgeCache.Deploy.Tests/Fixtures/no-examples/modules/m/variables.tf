# variables
