"""The local stack: DynamoDB Local, moto (S3, SES, Cognito), the gateway and the demo data, on 127.0.0.1.

It stands in for AWS on one machine: the same code runs against it as in AWS, only endpoints differ.
"""
